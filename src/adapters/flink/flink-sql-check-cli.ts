// Command line for the Flink SQL checker, until it has a place in the main CLI:
//   npx tsx src/adapters/flink/flink-sql-check-cli.ts --install     install (cached), used by scripts/test.sh
//   npx tsx src/adapters/flink/flink-sql-check-cli.ts a.sql b.sql   one JSON verdict per file; exit 1 if any failed
import { readFileSync } from 'node:fs';
import { checkFlinkScripts, ensureFlinkChecker } from './flink-sql-checker.js';

async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stderr.write('usage: flink-sql-check-cli.ts --install | <script.sql>...\n');
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === '--install') {
    const started = Date.now();
    const checker = await ensureFlinkChecker();
    process.stderr.write(`[flink-check] installed (${checker.classpath.split(':').pop()}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  }
  const results = await checkFlinkScripts(args.map((f) => ({ name: f, sql: readFileSync(f, 'utf8') })));
  for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`[flink-check] ${(e as Error).message}\n`);
    process.exit(2);
  },
);
