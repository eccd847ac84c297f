import { ConfigError, loadConfig, type Config } from '../core/config.js';

/** Loads the configuration or exits 2 with every problem listed. */
export function loadConfigOrExit(overrides: Record<string, string | undefined> = {}): Config {
  try {
    return loadConfig({ ...process.env, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n(see \`pipeline-doctor config\` for every variable and its default)\n`);
      process.exit(2);
    }
    throw err;
  }
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
