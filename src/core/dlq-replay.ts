import type { Broker, ConsumedRecord, OutgoingRecord } from '../ports/broker.js';

export interface ReplayOptions {
  dlqTopic: string;
  /** Consumer group that remembers what was replayed, so a second run does not repeat it. */
  groupId: string;
  /** Only records whose `dlq.reason` is one of these (default: all). */
  reasons?: string[];
  limit?: number;
  dryRun?: boolean;
  onProgress?: (replayed: number) => void;
}

export interface ReplayReport {
  replayed: number;
  skipped: number;
  bySourceTopic: Record<string, number>;
}

/** The original record: its key, bytes and headers, minus what the DLQ added. */
export function originalOf(record: ConsumedRecord): { topic: string; message: OutgoingRecord } | undefined {
  const source = record.headers['dlq.source.topic']?.toString();
  if (!source) return undefined;
  const headers: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(record.headers)) if (v !== undefined && !k.startsWith('dlq.')) headers[k] = v;
  headers['dlq.replayed_from'] = `${record.topic}/${record.partition}/${record.offset}`;
  return { topic: source, message: { key: record.key, value: record.value, headers } };
}

/**
 * Sends dead-lettered records back to the topic they came from (after a fix was deployed).
 * Replays what the DLQ holds at start; commits as it goes, so an interrupted replay resumes.
 */
export async function replayDlq(broker: Broker, options: ReplayOptions): Promise<ReplayReport> {
  const admin = broker.admin();
  await admin.connect();
  const ends = await admin.topicEndOffsets(options.dlqTopic);
  const committed = await admin.groupOffsets(options.groupId, options.dlqTopic);
  await admin.disconnect();
  const remaining = new Map(
    ends
      .filter((e) => Number(e.offset) > Math.max(0, Number(committed.find((c) => c.partition === e.partition)?.offset ?? 0)))
      .map((e) => [e.partition, Number(e.offset)]),
  );
  const report: ReplayReport = { replayed: 0, skipped: 0, bySourceTopic: {} };
  if (remaining.size === 0) return report;

  const producer = broker.producer();
  const consumer = broker.consumer({ groupId: options.groupId, sessionTimeoutMs: 10_000 });
  await Promise.all([producer.connect(), consumer.connect()]);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.subscribe([options.dlqTopic], true);
    await consumer.run(async (batch) => {
      const end = remaining.get(batch.partition);
      if (end === undefined) return;
      const byTopic = new Map<string, OutgoingRecord[]>();
      let lastOffset = -1;
      for (const record of batch.records) {
        if (Number(record.offset) >= end || (options.limit !== undefined && report.replayed >= options.limit)) break;
        lastOffset = Number(record.offset);
        const original = originalOf(record);
        const reason = record.headers['dlq.reason']?.toString() ?? '';
        if (!original || (options.reasons && !options.reasons.includes(reason))) {
          report.skipped++;
          continue;
        }
        byTopic.set(original.topic, [...(byTopic.get(original.topic) ?? []), original.message]);
        report.bySourceTopic[original.topic] = (report.bySourceTopic[original.topic] ?? 0) + 1;
        report.replayed++;
      }
      if (!options.dryRun) {
        await producer.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
        // Commit only after the originals are acknowledged: at-least-once, never lost.
        if (lastOffset >= 0) await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: String(lastOffset + 1) }]);
      }
      options.onProgress?.(report.replayed);
      if (lastOffset + 1 >= end || (options.limit !== undefined && report.replayed >= options.limit)) remaining.delete(batch.partition);
      if (remaining.size === 0) finish();
    });
    await finished;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  return report;
}
