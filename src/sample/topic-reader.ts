import { randomUUID } from 'node:crypto';
import type { Broker, ConsumedRecord } from '../ports/broker.js';

/**
 * Reads a topic from the beginning with a throw-away consumer group (read_committed) until
 * `done(records)` holds or the timeout passes. For demos, tests and benchmarks.
 */
export async function readTopic(
  broker: Broker,
  topic: string,
  options: { done: (records: ConsumedRecord[]) => boolean; timeoutMs: number; filter?: (r: ConsumedRecord) => boolean },
): Promise<ConsumedRecord[]> {
  const consumer = broker.consumer({ groupId: `pd-reader-${randomUUID()}`, sessionTimeoutMs: 10_000 });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe([topic], true);
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run(async (batch) => {
      for (const r of batch.records) if (!options.filter || options.filter(r)) records.push(r);
      if (options.done(records)) finish();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return records;
}
