import type { Command } from 'commander';
import { ConfigError, describeEnvVars, loadConfig } from '../core/config.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('List every environment variable with its default, or check the current environment (--check).')
    .option('--check', 'validate the current environment and print problems (exit 2 if any)')
    .action((options: { check?: boolean }) => {
      if (!options.check) {
        process.stdout.write(`${describeEnvVars()}\n`);
        return;
      }
      try {
        loadConfig();
        process.stdout.write('configuration is valid\n');
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 2;
      }
    });
}
