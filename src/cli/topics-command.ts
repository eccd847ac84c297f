import type { Command } from 'commander';
import { createBroker } from '../adapters/kafka/create-broker.js';
import { ConfluentSchemaRegistry } from '../adapters/schema-registry/confluent-registry.js';
import { createLogger } from '../core/logger.js';
import { SCHEMAS_DIR, TOPICS_DIR } from '../core/paths.js';
import { provisionTopics, registerSchemas } from '../core/provision.js';
import { TopicCatalog } from '../core/topic-catalog.js';
import { loadConfigOrExit } from './shared.js';

export function registerTopicsCommand(program: Command): void {
  const topics = program.command('topics').description('Topics declared in topics/: provision them and report drift.');

  topics
    .command('list')
    .description('Print the declared topics with their physical names (no broker needed).')
    .action(() => {
      const config = loadConfigOrExit();
      for (const t of TopicCatalog.load(TOPICS_DIR, config.topicPrefix).all()) {
        const dlq = t.dlqTopic ? `  dlq: ${t.dlqTopic}` : '';
        process.stdout.write(`${t.managed ? t.topic : `${t.topic}.* (created by Debezium)`}  [${t.role}, ${t.partitions}p, ${t.cleanup}, key ${t.key}]${dlq}\n`);
      }
    });

  topics
    .command('apply')
    .description('Create missing topics and DLQs, register schemas, and report drift of existing topics.')
    .option('--fix', 'also apply safe fixes: alter configs, add partitions (never removes any)')
    .addHelpText('after', '\nExit codes: 0 in sync, 3 drift remains (run again with --fix, or fix by hand), 1 error.')
    .action(async (options: { fix?: boolean }) => {
      const config = loadConfigOrExit();
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
      const admin = (await createBroker(config.kafka, logger)).admin();
      await admin.connect();
      try {
        const report = await provisionTopics(admin, catalog, { fix: options.fix });
        const schemas = await registerSchemas(new ConfluentSchemaRegistry(config.schemaRegistry), catalog, SCHEMAS_DIR);
        const out = (line: string) => process.stdout.write(`${line}\n`);
        for (const t of report.created) out(`created   ${t}`);
        for (const t of report.unchanged) out(`in sync   ${t}`);
        for (const d of report.drift) out(`drift     ${d.topic}: ${d.problem}${d.fixable ? '' : ' (not fixable automatically)'}`);
        for (const f of report.fixed) out(`fixed     ${f}`);
        for (const s of schemas) out(`schema    ${s.subject} → id ${s.id}`);
        const remaining = options.fix ? report.drift.filter((d) => !d.fixable) : report.drift;
        if (remaining.length > 0) process.exitCode = 3;
      } finally {
        await admin.disconnect();
      }
    });
}
