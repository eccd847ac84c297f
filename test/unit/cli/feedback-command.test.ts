import { describe, expect, it } from 'vitest';
import { trainingLine } from '../../../src/cli/feedback-command.js';
import { parseLabelledLine } from '../../../src/stages/classify/training.js';

describe('feedback export lines', () => {
  it('are labelled lines train --feedback reads', () => {
    const base = { exception_id: '42', feedback_id: 'f', error_message: 'java.lang.OutOfMemoryError: Java heap space', stack_trace: '\tat a.B.c(B.java:1)', error_type: 'oom' };
    expect(parseLabelledLine(trainingLine({ ...base, subtype: 'heap_oom' }))).toEqual({
      ok: true,
      entry: { id: 'feedback-42', text: 'java.lang.OutOfMemoryError: Java heap space\n\tat a.B.c(B.java:1)', error_type: 'oom', subtype: 'heap_oom' },
    });
    expect(parseLabelledLine(trainingLine({ ...base, stack_trace: null, subtype: null }))).toEqual({
      ok: true,
      entry: { id: 'feedback-42', text: 'java.lang.OutOfMemoryError: Java heap space', error_type: 'oom', subtype: null },
    });
  });
});
