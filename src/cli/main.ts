import { Command } from 'commander';
import { registerClassifyCommand } from './classify-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerDiagnoseCommand } from './diagnose-command.js';
import { registerKbCommand } from './kb-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDlqCommand } from './dlq-command.js';
import { registerFeedbackCommand } from './feedback-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerRunCommand } from './run-command.js';
import { registerScheduleCommand } from './schedule-command.js';
import { registerTopicsCommand } from './topics-command.js';
import { registerTrainCommand } from './train-command.js';
import { registerStackCommand } from '../stack/stack-command.js';
import { registerSqlCommand } from './sql-command.js';
import { registerSqlExtraCommands } from './sql-extra-commands.js';
import { registerSqlSync } from './sql-sync-command.js';

const program = new Command()
  .name('pipeline-doctor')
  .description('Diagnoses failing Flink jobs from their logs on Kafka, and turns analytics queries into Flink SQL sync jobs.')
  .showHelpAfterError();

registerRunCommand(program);
registerTopicsCommand(program);
registerClassifyCommand(program);
registerTrainCommand(program);
registerDiagnoseCommand(program);
registerKbCommand(program);
registerFeedbackCommand(program);
registerDemoCommand(program);
registerDlqCommand(program);
registerScheduleCommand(program);
registerQueryCommand(program);
registerConfigCommand(program);
registerStackCommand(program);
const sql = registerSqlCommand(program);
registerSqlExtraCommands(sql);
registerSqlSync(sql);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
