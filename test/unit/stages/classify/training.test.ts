import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainingExample } from '../../../../src/stages/classify/text-model.js';
import { calibrationBins, overrideThreshold, parseLabelledLine, readCorpusSplit, stratifiedFolds, trainModel } from '../../../../src/stages/classify/training.js';

describe('parseLabelledLine', () => {
  it('accepts {text, error_type, subtype?, id?}', () => {
    expect(parseLabelledLine('{"id":"a","text":"java.lang.OutOfMemoryError: Metaspace","error_type":"oom","subtype":"metaspace_oom"}')).toEqual({
      ok: true,
      entry: { id: 'a', text: 'java.lang.OutOfMemoryError: Metaspace', error_type: 'oom', subtype: 'metaspace_oom' },
    });
    expect(parseLabelledLine('{"text":"x","error_type":"network"}')).toMatchObject({ ok: true, entry: { subtype: null } });
  });

  it.each([
    ['{"text":', /not JSON/],
    ['[1]', /not a JSON object/],
    ['{"error_type":"oom"}', /"text"/],
    ['{"text":"x","error_type":"disk"}', /"error_type" must be one of/],
    ['{"text":"x","error_type":"oom","subtype":"connection_refused"}', /not a subtype of oom/],
    ['{"text":"x","error_type":"oom","id":7}', /"id"/],
  ])('rejects %s with the reason', (line, reason) => {
    const parsed = parseLabelledLine(line);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });
});

describe('readCorpusSplit', () => {
  it('holds out what dev-ids.txt does not list and whatever a heldout*.txt lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'split-'));
    writeFileSync(join(dir, 'dev-ids.txt'), '# dev\na\nb\n');
    writeFileSync(join(dir, 'heldout-2.txt'), 'b\n');
    const split = readCorpusSplit(join(dir, 'corpus.jsonl'))!;
    expect(['a', 'b', 'c', undefined].map((id) => split.isHeldOut(id))).toEqual([false, true, true, true]);
    expect(readCorpusSplit(join(mkdtempSync(join(tmpdir(), 'nosplit-')), 'x.jsonl'))).toBeUndefined();
  });
});

describe('cross-validation', () => {
  const separable: TrainingExample[] = [
    ...Array.from({ length: 10 }, (_, i) => ({ text: `java.lang.OutOfMemoryError: Java heap space in operator ${i}`, label: 'oom' as const, subtype: 'heap_oom' })),
    ...Array.from({ length: 10 }, (_, i) => ({ text: `java.net.ConnectException: Connection refused to host ${i}`, label: 'network' as const, subtype: 'connection_refused' })),
  ];

  it('assigns stratified, deterministic folds', () => {
    const folds = stratifiedFolds(separable.map((e) => ({ text: e.text, label: e.label })), 5);
    for (const label of ['oom', 'network']) {
      const perFold = [0, 1, 2, 3, 4].map((k) => folds.filter((f, i) => f === k && separable[i]!.label === label).length);
      expect(perFold).toEqual([2, 2, 2, 2, 2]);
    }
    expect(stratifiedFolds(separable.map((e) => ({ text: e.text, label: e.label })), 5)).toEqual(folds);
  });

  it('reports the k-fold macro-F1 of the model and calibrates it', () => {
    const { model, crossValidation } = trainModel(separable, { folds: 5 });
    expect(crossValidation).toMatchObject({ folds: 5, accuracy: 1, macroF1: 1 });
    expect(crossValidation!.perLabel.map((s) => s.label)).toEqual(['oom', 'network']);
    expect(model.json.cross_validation).toMatchObject({ folds: 5, macro_f1: 1 });
    expect(model.confidence(0.5)).toBeCloseTo(20 / 21);
  });

  it('shows label noise in the figure', () => {
    // Two network texts labelled oom: cross-validation must not be fooled by them.
    const noisy = separable.map((e, i) => (i >= 10 && i < 12 ? { ...e, label: 'oom' as const } : e));
    const { crossValidation } = trainModel(noisy, { folds: 5 });
    expect(crossValidation!.macroF1).toBeLessThan(1);
    expect(crossValidation!.accuracy).toBeCloseTo(18 / 20);
  });

  it('skips cross-validation with fewer texts than folds, and such a model never decides', () => {
    const { model, crossValidation } = trainModel(separable.slice(0, 3), { folds: 5 });
    expect(crossValidation).toBeUndefined();
    expect(model.confidence(1)).toBe(0);
  });

  it('counts the right predictions at or above each posterior', () => {
    const bins = calibrationBins([
      { index: 0, truth: 'oom', predicted: 'oom', probability: 0.99995 },
      { index: 1, truth: 'oom', predicted: 'network', probability: 0.995 },
      { index: 2, truth: 'network', predicted: 'network', probability: 0.6 },
    ]);
    expect(bins.find((b) => b.min_probability === 0.9999)).toEqual({ min_probability: 0.9999, correct: 1, total: 1 });
    expect(bins.find((b) => b.min_probability === 0.99)).toEqual({ min_probability: 0.99, correct: 1, total: 2 });
    expect(bins.find((b) => b.min_probability === 0)).toEqual({ min_probability: 0, correct: 2, total: 3 });
  });

  it('lets the model replace rule decisions only at a threshold where that fixed more than it broke', () => {
    const unnamed = 'com.acme.FrobnicatorException: frobnication failed'; // rules: other/unknown, 0.35
    const generic = 'java.util.concurrent.TimeoutException'; // rules: network (generic), 0.6
    const examples = [
      { text: unnamed, label: 'oom' as const },
      { text: generic, label: 'network' as const },
    ];
    const calibration = [{ min_probability: 0, correct: 99, total: 99 }];
    const fixes = overrideThreshold(examples, [{ index: 0, truth: 'oom', predicted: 'oom', probability: 0.995 }], calibration);
    expect(fixes.threshold).toBe(0.9);
    expect(fixes.sweep.find((s) => s.threshold === 0.999)).toMatchObject({ changed: 0 });
    const breaks = overrideThreshold(examples, [{ index: 1, truth: 'network', predicted: 'oom', probability: 0.99999 }], calibration);
    expect(breaks.threshold).toBeNull();
    expect(breaks.sweep.every((s) => s.broken === s.changed)).toBe(true);
  });
});
