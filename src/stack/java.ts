// Pick a `java` binary of at least a given major version. Kafka 3.9 runs on 17 (the machine's
// default java), but Apicurio Registry 3.3 is compiled for Java 21 (class file 65), so we
// look beyond PATH: the polyglot machine has a second JDK (Temurin 25) under /usr/lib/jvm.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { which } from './process.js';

/** Major version of a java binary: from <home>/release if present, else `java -version`. */
function majorVersion(javaBin: string): number {
  try {
    const home = dirname(dirname(realpathSync(javaBin)));
    const release = join(home, 'release');
    if (existsSync(release)) {
      const m = /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(readFileSync(release, 'utf8'));
      if (m) return m[1] === '1' ? Number(m[2]) : Number(m[1]); // "1.8.0" style → 8
    }
  } catch {
    // fall through to running it
  }
  const r = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr ?? '');
  if (!m) return 0;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

function candidates(envVar: string): string[] {
  const list: string[] = [];
  const explicit = process.env[envVar];
  if (explicit) list.push(explicit);
  if (process.env.JAVA_HOME) list.push(join(process.env.JAVA_HOME, 'bin', 'java'));
  const onPath = which('java');
  if (onPath) list.push(onPath);
  const jvmDir = '/usr/lib/jvm';
  if (existsSync(jvmDir)) {
    for (const d of readdirSync(jvmDir).sort().reverse()) list.push(join(jvmDir, d, 'bin', 'java'));
  }
  return list.filter((p) => existsSync(p));
}

/**
 * A java binary with major version >= min. `envVar` (e.g. PD_APICURIO_JAVA) may name one
 * explicitly; it is used as-is when given.
 */
export function findJava(min: number, envVar: string): string {
  const explicit = process.env[envVar];
  if (explicit) return explicit;
  const seen: string[] = [];
  for (const bin of candidates(envVar)) {
    const v = majorVersion(bin);
    if (v >= min) return bin;
    seen.push(`${bin} (${v || '?'})`);
  }
  throw new Error(
    `needs Java ${min}+, found only: ${seen.join(', ') || 'no java at all'}. ` +
      `Install a JDK ${min}+ or set ${envVar}=/path/to/bin/java`,
  );
}
