import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// kafkajs' read_committed filter, as patched by patches/kafkajs+2.2.4.patch (applied on install).
const filterAbortedMessages = createRequire(import.meta.url)('kafkajs/src/consumer/filterAbortedMessages') as (input: {
  messages: Message[];
  abortedTransactions: { firstOffset: string; producerId: string }[];
}) => Message[];

interface Message { offset: string; key: Buffer | null; value: string; batchContext: { producerId: string; inTransaction: boolean } }
const ABORT_MARKER = Buffer.from([0, 0, 0, 0]);
const record = (offset: number, producerId: string, value: string): Message => ({ offset: String(offset), key: null, value, batchContext: { producerId, inTransaction: true } });
const abortMarker = (offset: number, producerId: string): Message => ({ offset: String(offset), key: ABORT_MARKER, value: '', batchContext: { producerId, inTransaction: true } });

// One partition: producers 1 and 2 interleave and both abort, then producer 3 commits.
const LOG = [record(0, '1', 'a1'), record(1, '2', 'b1'), record(2, '1', 'a2'), record(3, '2', 'b2'), abortMarker(4, '1'), abortMarker(5, '2'), record(6, '3', 'c')];
const ABORTED = [{ firstOffset: '0', producerId: '1' }, { firstOffset: '1', producerId: '2' }];
const visible = (messages: Message[], aborted = ABORTED) => filterAbortedMessages({ messages, abortedTransactions: aborted }).filter((m) => m.key === null).map((m) => m.value);

describe('kafkajs read_committed filter (patched)', () => {
  it('hides both aborted transactions whatever offset the fetch starts from', () => {
    for (let from = 0; from < LOG.length; from++) expect(visible(LOG.slice(from)), `fetch from ${from}`).toEqual(['c']);
  });

  it('does not depend on the order of the broker’s aborted-transaction list', () => {
    for (let from = 0; from < LOG.length; from++) expect(visible(LOG.slice(from), [...ABORTED].reverse()), `fetch from ${from}`).toEqual(['c']);
  });

  it('keeps a committed transaction of a producer whose earlier transaction aborted', () => {
    const log = [record(0, '1', 'x'), abortMarker(1, '1'), record(2, '1', 'y')];
    expect(visible(log, [{ firstOffset: '0', producerId: '1' }])).toEqual(['y']);
  });
});
