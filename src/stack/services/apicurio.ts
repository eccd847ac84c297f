// Apicurio Registry 3.3.3 (Quarkus), in-memory H2 storage, serving the Confluent-compatible
// API at /apis/ccompat/v7. Distribution tarball from Maven Central (see STACK.md §3).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_REGISTRY_URL } from '../config.js';
import { findJava } from '../java.js';
import { run, startProcess, stopRecordedProcess } from '../process.js';
import type { StackService } from '../service.js';

const VERSION = '3.3.3';
const HTTP_PORT = 8080;
// Quarkus management interface (health/metrics), on since Apicurio 3.2; default 9000 clashes
// too easily (Milvus, MinIO, ...), so it gets its own loopback port.
const MANAGEMENT_PORT = Number(process.env.PD_APICURIO_MANAGEMENT_PORT) || 9001;

export const apicurio: StackService = {
  name: 'apicurio',
  ports: [HTTP_PORT, MANAGEMENT_PORT],
  composeService: 'schema-registry',

  async install(ctx) {
    const home = join(ctx.cacheDir, `apicurio-${VERSION}`);
    if (existsSync(join(home, 'quarkus-run.jar'))) return;
    ctx.say(`fetching Apicurio Registry ${VERSION} (~160 MB) with Maven (once)…`);
    const download = join(ctx.cacheDir, 'downloads');
    await run('mvn', [
      '-B', '-q', 'dependency:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${VERSION}:tar.gz:all`,
      `-DoutputDirectory=${download}`,
    ]);
    const tarball = join(download, `apicurio-registry-app-${VERSION}-all.tar.gz`);
    // The tarball's root *is* the Quarkus fast-jar layout (quarkus-run.jar, lib/, app/,
    // quarkus/): there is no quarkus-app/ folder, unlike STACK.md says.
    const partial = `${home}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    await run('tar', ['xzf', tarball, '-C', partial]);
    if (!readdirSync(partial).includes('quarkus-run.jar')) {
      throw new Error(`unexpected layout in ${tarball}: no quarkus-run.jar at its root`);
    }
    renameSync(partial, home);
    rmSync(tarball); // Maven keeps its own copy in ~/.m2
  },

  async start(ctx) {
    // Apicurio 3.3 is compiled for Java 21 (class file 65); Java 17 fails at start-up.
    const java = findJava(21, 'PD_APICURIO_JAVA');
    return startProcess(ctx, {
      command: java,
      args: [
        '-Xmx384m',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${HTTP_PORT}`,
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${MANAGEMENT_PORT}`,
        `-Dapicurio.storage.snapshot.location=${ctx.dir}`,
        '-jar', join(ctx.cacheDir, `apicurio-${VERSION}`, 'quarkus-run.jar'),
      ],
    });
  },

  async ready() {
    const res = await fetch(`${SCHEMA_REGISTRY_URL}/subjects`, { signal: AbortSignal.timeout(3000) }).catch((e) => {
      // undici says only "fetch failed"; the useful part (ECONNREFUSED...) is in the cause.
      throw new Error(`GET /subjects: ${e.cause?.message ?? e.message}`);
    });
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`GET /subjects answered ${res.status}`);
  },

  stop: (ctx) => stopRecordedProcess(ctx, 20_000),
};
