import { mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReloadingTextModel, TextModel, features } from '../../../../src/stages/classify/text-model.js';

const examples = [
  { text: 'java.lang.OutOfMemoryError: Java heap space', label: 'oom' as const },
  { text: 'java.lang.OutOfMemoryError: Metaspace', label: 'oom' as const },
  { text: 'java.net.ConnectException: Connection refused', label: 'network' as const },
  { text: 'java.net.UnknownHostException: kafka-1', label: 'network' as const },
  { text: 'org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.', label: 'checkpoint_failure' as const },
];

describe('TextModel (naive Bayes over chain words)', () => {
  it('splits Java names and weights the root cause', () => {
    const words = features('java.lang.RuntimeException: wrapper\nCaused by: java.net.SocketTimeoutException: Read timed out\n\tat org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:1)');
    expect(words.filter((w) => w === 'socket')).toHaveLength(2);
    expect(words).toContain('f:kafka');
    expect(words).toContain('wrapper');
  });

  it('learns, predicts a normalised posterior, and round-trips through a file', () => {
    const model = TextModel.train(examples);
    const [top] = model.predict('java.lang.OutOfMemoryError: Direct buffer memory');
    expect(top!.label).toBe('oom');
    expect(model.predict('x').reduce((n, p) => n + p.probability, 0)).toBeCloseTo(1);
    const path = join(mkdtempSync(join(tmpdir(), 'model-')), 'm.json');
    model.save(path);
    expect(TextModel.load(path).predict('java.net.ConnectException: Connection refused')[0]!.label).toBe('network');
  });

  it('reloads the file when it changes, and keeps the last good model otherwise', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'model-')), 'm.json');
    const reloading = new ReloadingTextModel(path, 0);
    expect(reloading.current(1)).toBeUndefined();
    TextModel.train(examples.slice(0, 2)).save(path);
    expect(reloading.current(2)!.trainedOn).toBe(2);
    TextModel.train(examples).save(path);
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(reloading.current(3)!.trainedOn).toBe(5);
  });
});
