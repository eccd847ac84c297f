import type { Command } from 'commander';
import { createBroker } from '../adapters/kafka/create-broker.js';
import { replayDlq } from '../core/dlq-replay.js';
import { createLogger } from '../core/logger.js';
import { TOPICS_DIR } from '../core/paths.js';
import { TopicCatalog } from '../core/topic-catalog.js';
import { formatCount, loadConfigOrExit } from './shared.js';

export function registerDlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('Dead-letter queues: inspect reasons, replay after a fix.');
  dlq
    .command('replay')
    .description('Send dead-lettered records back to the topic they came from (original key, bytes and headers).')
    .requiredOption('--topic <name>', 'logical input topic whose DLQ to replay, e.g. job-logs')
    .option('--reason <reasons>', 'only these dlq.reason values, comma-separated (e.g. malformed_json,schema_violation)')
    .option('--limit <n>', 'replay at most this many records')
    .option('--dry-run', 'count what would be replayed; send and commit nothing')
    .addHelpText(
      'after',
      `
Replays what the DLQ holds when the command starts. Progress is committed in the consumer group
<prefix>dlq-replay.<topic>[.<reasons>], so running the same command again replays only records
that arrived since. Each --reason filter has its own group: an unfiltered replay after a filtered
one sends those records again (at-least-once; the sinks are idempotent on event_id).
Records that fail again are dead-lettered again by the stage, with a dlq.replayed_from header.`,
    )
    .action(async (options: { topic: string; reason?: string; limit?: string; dryRun?: boolean }) => {
      const config = loadConfigOrExit();
      const catalog = TopicCatalog.load(TOPICS_DIR, config.topicPrefix);
      const declaration = catalog.get(options.topic);
      if (!declaration.dlqTopic) throw new Error(`topic ${options.topic} declares no DLQ`);
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new Error('--limit must be a positive integer');
      const reasons = options.reason?.split(',').map((r) => r.trim()).filter(Boolean).sort();
      const broker = await createBroker(config.kafka, createLogger('warn'));
      const report = await replayDlq(broker, {
        dlqTopic: declaration.dlqTopic,
        // Each reason filter remembers its own progress: records it skips stay replayable by others.
        groupId: `${config.topicPrefix}dlq-replay.${options.topic}${reasons ? `.${reasons.join('+')}` : ''}`,
        reasons,
        limit,
        dryRun: options.dryRun,
        onProgress: (n) => n > 0 && n % 10_000 === 0 && process.stderr.write(`  replayed ${formatCount(n)}\n`),
      });
      const targets = Object.entries(report.bySourceTopic).map(([t, n]) => `${t} ${formatCount(n)}`).join(', ') || 'nothing';
      process.stdout.write(`${options.dryRun ? 'would replay' : 'replayed'} ${formatCount(report.replayed)} from ${declaration.dlqTopic} (${targets}); skipped ${formatCount(report.skipped)}\n`);
    });
}
