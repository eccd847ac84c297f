import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ReloadingTextModel, TextModel, features } from '../../../../src/stages/classify/text-model.js';

const examples = [
  { text: 'java.lang.OutOfMemoryError: Java heap space', label: 'oom' as const, subtype: 'heap_oom' },
  { text: 'java.lang.OutOfMemoryError: Metaspace', label: 'oom' as const, subtype: 'metaspace_oom' },
  { text: 'java.net.ConnectException: Connection refused', label: 'network' as const, subtype: 'connection_refused' },
  { text: 'java.net.UnknownHostException: kafka-1', label: 'network' as const, subtype: 'unknown_host' },
  { text: 'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.', label: 'checkpoint_failure' as const, subtype: 'checkpoint_timeout' },
];

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'model-')), 'm.json');

describe('TextModel (naive Bayes over chain words)', () => {
  it('splits Java names, marks the root cause and keeps each word once', () => {
    const words = features('java.lang.RuntimeException: wrapper\nCaused by: java.net.SocketTimeoutException: Read timed out\n\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:1)');
    expect(words.filter((w) => w === 'socket')).toHaveLength(1);
    expect(words).toContain('r:socket');
    expect(words).toContain('f:kafka');
    expect(words).toContain('wrapper');
  });

  it('learns types and subtypes, predicts a normalised posterior, and round-trips through a file', () => {
    const model = TextModel.train(examples);
    const [top] = model.predict('java.lang.OutOfMemoryError: Direct buffer memory');
    expect(top!.label).toBe('oom');
    expect(model.subtype('java.net.UnknownHostException: broker-7', 'network')).toBe('unknown_host');
    expect(model.subtype('anything', 'backpressure')).toBeNull();
    expect(model.predict('x').reduce((n, p) => n + p.probability, 0)).toBeCloseTo(1);
    const path = tempFile();
    model.save(path);
    expect(TextModel.load(path).predict('java.net.ConnectException: Connection refused')[0]!.label).toBe('network');
  });

  it('turns a posterior into the cross-validated share of right predictions, with one imaginary miss', () => {
    const calibration = [
      { min_probability: 0.99, correct: 9, total: 9 },
      { min_probability: 0, correct: 10, total: 19 },
    ];
    const model = TextModel.train(examples, { calibration });
    expect(model.confidence(0.995)).toBeCloseTo(0.9);
    expect(model.confidence(0.6)).toBeCloseTo(0.5);
    expect(TextModel.train(examples).confidence(1)).toBe(0);
  });

  it('saves atomically: a new file renamed over the old one, no temporary left behind', () => {
    const path = tempFile();
    TextModel.train(examples.slice(0, 2)).save(path);
    const before = statSync(path).ino;
    TextModel.train(examples).save(path);
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(join(path, '..'))).toEqual(['m.json']);
    expect(TextModel.load(path).trainedOn).toBe(5);
  });

  it('refuses a file that is not a version 2 model, saying why', () => {
    const path = tempFile();
    writeFileSync(path, JSON.stringify({ version: 1, labels: {} }));
    expect(() => TextModel.load(path)).toThrow(/not a version 2 classifier model/);
  });
});

describe('ReloadingTextModel', () => {
  const log = () => ({ info: vi.fn(), warn: vi.fn() });

  it('is empty without a file, and says so once', () => {
    const l = log();
    const reloading = new ReloadingTextModel(tempFile(), { checkEveryMs: 0, log: l });
    expect(reloading.current(1)).toBeUndefined();
    expect(reloading.current(2)).toBeUndefined();
    expect(l.info).toHaveBeenCalledTimes(1);
    expect(l.info.mock.calls[0]![1]).toMatch(/rules only/);
  });

  it('loads a new file when it changes, even within one mtime tick', () => {
    const path = tempFile();
    const reloading = new ReloadingTextModel(path, { checkEveryMs: 0 });
    TextModel.train(examples.slice(0, 2)).save(path);
    expect(reloading.current(1)!.trainedOn).toBe(2);
    TextModel.train(examples).save(path);
    expect(reloading.current(2)!.trainedOn).toBe(5);
  });

  it('checks the file at most every checkEveryMs', () => {
    const path = tempFile();
    const reloading = new ReloadingTextModel(path, { checkEveryMs: 5000 });
    TextModel.train(examples.slice(0, 2)).save(path);
    expect(reloading.current(10_000)!.trainedOn).toBe(2);
    TextModel.train(examples).save(path);
    expect(reloading.current(14_999)!.trainedOn).toBe(2);
    expect(reloading.current(15_000)!.trainedOn).toBe(5);
  });

  it('keeps the previous model when the new file is corrupt, and warns once', () => {
    const path = tempFile();
    const l = log();
    const reloading = new ReloadingTextModel(path, { checkEveryMs: 0, log: l });
    TextModel.train(examples).save(path);
    expect(reloading.current(1)!.trainedOn).toBe(5);
    writeFileSync(path, '{"version":2,"types":');
    expect(reloading.current(2)!.trainedOn).toBe(5);
    expect(reloading.current(3)!.trainedOn).toBe(5);
    expect(l.warn).toHaveBeenCalledTimes(1);
    expect(l.warn.mock.calls[0]![1]).toMatch(/keeping the previous model/);
  });
});
