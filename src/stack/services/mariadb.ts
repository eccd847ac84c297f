// MariaDB 10.11 from Debian's mariadb-server package, run as our own mariadbd (not the Debian
// service) with its data, socket and pid under $PD_STACK_DIR/mariadb and the binlog on for
// Debezium (STACK.md §2).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { MYSQL_URL } from '../config.js';
import { pollUntil, run, startProcess, stopRecordedProcess, which } from '../process.js';
import type { StackContext, StackService } from '../service.js';

const SBIN = ['/usr/sbin', '/usr/local/sbin'];
const socketPath = (ctx: StackContext) => join(ctx.dir, 'mariadb.sock');
// mariadbd refuses to run as root unless told to; as another user it runs as that user.
const userArgs = () => (process.getuid?.() === 0 ? ['--user=root'] : []);

/** Idempotent: safe on every start. pd gets ALL on *.* because tests create databases. */
const BOOTSTRAP_SQL = [
  'CREATE DATABASE IF NOT EXISTS pipeline_doctor',
  "CREATE USER IF NOT EXISTS 'pd'@'%' IDENTIFIED BY 'pd'",
  "CREATE USER IF NOT EXISTS 'pd'@'localhost' IDENTIFIED BY 'pd'",
  "GRANT ALL PRIVILEGES ON *.* TO 'pd'@'%'",
  "GRANT ALL PRIVILEGES ON *.* TO 'pd'@'localhost'",
  // The grants Debezium's MariaDB connector documents (+ LOCK TABLES for snapshots).
  "CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY 'dbz'",
  "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'debezium'@'%'",
  // Read-only user for `sql preview` (the pull preview needs SELECT only); its password differs
  // from its name so a test can prove the preview never writes it to disk.
  "CREATE USER IF NOT EXISTS 'pd_reader'@'%' IDENTIFIED BY 'pd-reader-secret'",
  "GRANT SELECT, SHOW VIEW ON *.* TO 'pd_reader'@'%'",
];

/** mariadb-server from apt, without letting Debian start its own service on 3306. */
async function aptInstall(ctx: StackContext): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('mariadbd not found; install it: sudo apt-get install -y mariadb-server');
  }
  ctx.say('installing mariadb-server with apt-get (once)…');
  // policy-rc.d exit 101 = "do not start services": the postinst would otherwise start the
  // Debian service and take port 3306 from us. Only ours is removed afterwards.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) await run('sh', ['-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod 755 ${policy}`]);
  try {
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    const install = ['install', '-y', '--no-install-recommends', 'mariadb-server'];
    await run('apt-get', install, { env }).catch(async () => {
      await run('apt-get', ['update'], { env }); // a fresh machine may have stale/no lists
      await run('apt-get', install, { env });
    });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

export const mariadb: StackService = {
  name: 'mariadb',
  ports: [3306],
  composeService: 'mysql', // the Docker stack runs MySQL 8 (same users, binlog on)

  async install(ctx) {
    if (!which('mariadbd', SBIN)) await aptInstall(ctx);
  },

  async start(ctx) {
    const dataDir = join(ctx.dir, 'data');
    if (!existsSync(join(dataDir, 'mysql'))) {
      ctx.say('initialising data directory…');
      const partial = `${dataDir}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      // --no-defaults everywhere: never read /etc/mysql (the Debian service's socket, port...).
      // root@localhost gets no password; it is reachable only on loopback and via our socket.
      await run(which('mariadb-install-db', SBIN) ?? 'mariadb-install-db', [
        '--no-defaults', ...userArgs(), `--datadir=${partial}`,
        '--auth-root-authentication-method=normal', '--skip-test-db',
      ]);
      renameSync(partial, dataDir);
    }

    const pid = await startProcess(ctx, {
      command: which('mariadbd', SBIN) ?? 'mariadbd',
      args: [
        '--no-defaults', ...userArgs(),
        `--datadir=${dataDir}`,
        `--socket=${socketPath(ctx)}`,
        `--pid-file=${join(ctx.dir, 'mariadbd.pid')}`,
        '--bind-address=127.0.0.1',
        '--port=3306',
        '--skip-name-resolve',
        // Binlog exactly as STACK.md §2 (Debezium needs ROW/FULL from the very first start).
        '--server-id=1', '--log-bin=mysql-bin', '--binlog-format=ROW', '--binlog-row-image=FULL',
        '--log-bin-compress=0', '--binlog-expire-logs-seconds=86400',
      ],
    });

    // Create the app and Debezium users as root over our own socket, once it accepts clients.
    const root = await pollUntil(ctx, 'the mariadb socket', () =>
      mysql.createConnection({ socketPath: socketPath(ctx), user: 'root' }), pid);
    try {
      for (const sql of BOOTSTRAP_SQL) await root.query(sql);
    } finally {
      await root.end();
    }
    return pid;
  },

  // "Ready" = the application's own user can log in and run a query.
  async ready() {
    const conn = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 });
    try {
      await conn.query('SELECT 1');
    } finally {
      await conn.end();
    }
  },

  stop: (ctx) => stopRecordedProcess(ctx, 30_000),
};
