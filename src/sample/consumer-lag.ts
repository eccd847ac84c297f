import type { BrokerAdmin } from '../ports/broker.js';

/**
 * Records a consumer group still has to read on a topic: end offsets minus committed offsets.
 * On a topic written in transactions the last offset is a commit marker no consumer ever reads,
 * so `transactional` allows one offset of slack per partition there.
 */
export async function consumerLag(admin: BrokerAdmin, groupId: string, topic: string, options: { transactional?: boolean } = {}): Promise<number> {
  const [ends, committed] = await Promise.all([admin.topicEndOffsets(topic), admin.groupOffsets(groupId, topic)]);
  return ends.reduce((lag, end) => {
    const offset = Number(committed.find((c) => c.partition === end.partition)?.offset ?? -1);
    const slack = options.transactional && offset >= 0 ? 1 : 0;
    return lag + Math.max(0, Number(end.offset) - Math.max(offset, 0) - slack);
  }, 0);
}
