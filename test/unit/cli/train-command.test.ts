import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/core/paths.js';
import { TextModel } from '../../../src/stages/classify/text-model.js';

/** A command as users run it (no services needed). */
function cli(args: string[], input = '') {
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'pipeline-doctor.js'), ...args], { input, encoding: 'utf8', env: { ...process.env, PD_FROM_SOURCE: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const line = (id: string, text: string, error_type: string, subtype?: string) => JSON.stringify({ id, text, error_type, ...(subtype ? { subtype } : {}) });

function corpus(dir: string): string {
  const lines = [
    ...Array.from({ length: 6 }, (_, i) => line(`oom-${i}`, `java.lang.OutOfMemoryError: Java heap space in operator ${i}`, 'oom', 'heap_oom')),
    ...Array.from({ length: 6 }, (_, i) => line(`net-${i}`, `java.net.ConnectException: Connection refused to host ${i}`, 'network', 'connection_refused')),
    line('none-1', 'Completed checkpoint 3 for job x', 'none'),
    '{"text": "cut',
    line('bad-1', 'x', 'disk'),
    line('held-1', 'java.net.ConnectException: Connection refused to the held-out host', 'network'),
  ];
  const path = join(dir, 'corpus.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const dev = [...Array.from({ length: 6 }, (_, i) => `oom-${i}`), ...Array.from({ length: 6 }, (_, i) => `net-${i}`), 'none-1', 'held-1'];
  writeFileSync(join(dir, 'dev-ids.txt'), `${dev.join('\n')}\n`);
  writeFileSync(join(dir, 'heldout-2.txt'), 'held-1\n');
  return path;
}

describe('pipeline-doctor train', () => {
  it('trains on the dev entries, reports bad lines by number, prints the k-fold figure and writes the model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-'));
    const out = join(dir, 'models', 'classifier.json');
    const { status, stdout, stderr } = cli(['train', '--corpus', corpus(dir), '--out', out]);
    expect(status).toBe(3);
    expect(stderr).toMatch(/corpus\.jsonl:14: not JSON/);
    expect(stderr).toMatch(/corpus\.jsonl:15: "error_type" must be one of/);
    expect(stdout).toMatch(/12 used, 1 held out, 1 none, 2 bad/);
    expect(stdout).toMatch(/^oom\s+6\s+1\.000$/m);
    expect(stdout).toMatch(/5-fold cross-validated, model alone: macro-F1 1\.000/);
    expect(readdirSync(join(dir, 'models'))).toEqual(['classifier.json']);
    expect(TextModel.load(out).trainedOn).toBe(12);
  });

  it('leaves out --exclude-ids and adds --feedback whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-'));
    const exclude = join(dir, 'exclude.txt');
    writeFileSync(exclude, 'oom-0\noom-1\n');
    const feedback = join(dir, 'feedback.ndjson');
    writeFileSync(feedback, `${line('fb-1', 'java.net.UnknownHostException: kafka-1', 'network', 'unknown_host')}\n`);
    const out = join(dir, 'm.json');
    const { stdout } = cli(['train', '--corpus', corpus(dir), '--exclude-ids', exclude, '--feedback', feedback, '--out', out]);
    expect(stdout).toMatch(/corpus\.jsonl: 10 used, 1 held out, 1 none, 2 excluded, 2 bad/);
    expect(stdout).toMatch(/feedback\.ndjson: 1 used/);
    expect(TextModel.load(out).trainedOn).toBe(11);
  });

  it('fails clearly when nothing is left to train on, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-'));
    const input = join(dir, 'only-none.ndjson');
    writeFileSync(input, `${line('n', 'Completed checkpoint 3', 'none')}\n`);
    const { status, stderr } = cli(['train', '--corpus', input, '--out', join(dir, 'm.json')]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/no labelled error texts/);
    expect(existsSync(join(dir, 'm.json'))).toBe(false);
  });
});
