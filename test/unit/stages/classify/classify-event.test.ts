import { describe, expect, it } from 'vitest';
import { classifyEvent, RULES_SURE } from '../../../../src/stages/classify/classify-event.js';
import { TextModel } from '../../../../src/stages/classify/text-model.js';
import type { ErrorType } from '../../../../src/stages/classify/taxonomy.js';
import { background, calibratedModel, frob } from './model-fixtures.js';

const metaspace = 'java.lang.OutOfMemoryError: Metaspace';

/** A model sure that frobnication (and, to test the guard, Metaspace) is `label`. */
function modelSaying(label: ErrorType, subtype: string): TextModel {
  return calibratedModel([...Array.from({ length: 20 }, (_, n) => ({ text: frob(n), label, subtype })), ...Array.from({ length: 20 }, () => ({ text: metaspace, label, subtype }))]);
}

describe('classifyEvent: rules first, the model where they are unsure', () => {
  const network = modelSaying('network', 'rpc_timeout');

  it('lets the model decide an error no rule names, with its calibrated confidence and subtype', () => {
    expect(classifyEvent(frob(99))).toMatchObject({ error_type: 'other', subtype: 'unknown', decided_by: 'default' });
    const result = classifyEvent(frob(99), null, { model: network });
    expect(result).toMatchObject({ error_type: 'network', subtype: 'rpc_timeout', decided_by: 'model', confidence: 0.99 });
    expect(result.fingerprint).toBe(classifyEvent(frob(99)).fingerprint);
  });

  it('never asks the model about a confident rule decision', () => {
    const byRules = classifyEvent(metaspace);
    expect(byRules.confidence).toBeGreaterThanOrEqual(RULES_SURE);
    expect(network.predict(metaspace)[0]).toMatchObject({ label: 'network' });
    expect(classifyEvent(metaspace, null, { model: network })).toEqual(byRules);
  });

  it('keeps the rules decision when the posterior is below the threshold', () => {
    const torn = calibratedModel([...Array.from({ length: 10 }, (_, n) => ({ text: frob(n), label: 'network' as const })), ...Array.from({ length: 9 }, (_, n) => ({ text: frob(n), label: 'oom' as const }))]);
    const [best] = torn.predict(frob(99));
    expect(best).toMatchObject({ label: 'network' });
    expect(best!.probability).toBeLessThan(0.99);
    expect(classifyEvent(frob(99), null, { model: torn })).toMatchObject({ decided_by: 'default' });
    expect(classifyEvent(frob(99), null, { model: torn, minProbability: best!.probability })).toMatchObject({ error_type: 'network', decided_by: 'model' });
  });

  it('keeps the rules decision when the model has no cross-validated evidence', () => {
    const uncalibrated = TextModel.train([...Array.from({ length: 20 }, (_, n) => ({ text: frob(n), label: 'network' as const })), ...background]);
    expect(uncalibrated.predict(frob(99))[0]!.probability).toBeGreaterThan(0.9999);
    expect(classifyEvent(frob(99), null, { model: uncalibrated })).toMatchObject({ error_type: 'other', decided_by: 'default' });
  });

  it('leaves lines that are not errors alone', () => {
    expect(classifyEvent('Completed checkpoint 7 for job x', 'INFO', { model: network })).toMatchObject({ error_type: 'none', fingerprint: null });
  });
});
