import { z } from 'zod';
import { ERROR_TYPES, SUBTYPES } from '../classify/taxonomy.js';

/** Largest feedback value, on the topic and as an HTTP body: room for the longest valid message, even in 4-byte characters. */
export const FEEDBACK_MAX_BYTES = 64 * 1024;

/** flink_job_exceptions.id is a signed BIGINT; as digits without leading zeros, longer is larger. */
const MAX_BIGINT = '9223372036854775807';
const withinBigint = (digits: string) => digits.length < MAX_BIGINT.length || (digits.length === MAX_BIGINT.length && digits <= MAX_BIGINT);

/**
 * The fields of a feedback message (schemas/feedback.schema.json describes the same contract).
 * Strings are kept as given, whatever they contain: they are data, bound as SQL parameters.
 */
export const feedbackFields = z.strictObject({
  /** Idempotency key chosen by the client; absent, the stage derives one from the Kafka record. */
  feedback_id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, '1–64 characters of A-Z a-z 0-9 . _ : -').optional(),
  exception_id: z.string().regex(/^[1-9][0-9]{0,18}$/, { message: 'a flink_job_exceptions id as a string of digits', abort: true }).refine(withinBigint, 'out of range').optional(),
  event_id: z.string().min(1).max(64).optional(),
  helpful: z.boolean().optional(),
  corrected_error_type: z.enum(ERROR_TYPES).optional(),
  corrected_subtype: z.string().min(1).max(64).optional(),
  corrected_fix: z.string().trim().min(1).max(8000).optional(),
  verified: z.boolean().optional(),
  by: z.string().max(128).optional(),
  comment: z.string().max(2000).optional(),
});

/**
 * Rules across fields. A transform, not a refinement: zod runs refinements on objects whose
 * fields failed their own checks, transforms only once every field is valid.
 */
export const feedbackMessageSchema = feedbackFields.transform((m, ctx) => {
  const problem = (message: string, path: string[] = []) => ctx.addIssue({ code: 'custom', message, path, input: m });
  if ((m.exception_id === undefined) === (m.event_id === undefined)) problem('give exactly one of exception_id and event_id');
  if (m.helpful === undefined && m.corrected_error_type === undefined && m.corrected_fix === undefined && m.verified === undefined) {
    problem('say something: helpful, corrected_error_type, corrected_fix or verified');
  }
  if (m.corrected_subtype !== undefined) {
    if (m.corrected_error_type === undefined) problem('corrected_subtype needs corrected_error_type', ['corrected_subtype']);
    else if (!SUBTYPES[m.corrected_error_type].includes(m.corrected_subtype)) {
      problem(`not a subtype of ${m.corrected_error_type}; one of ${SUBTYPES[m.corrected_error_type].join(', ')}`, ['corrected_subtype']);
    }
  }
  // Verifying a diagnosis one calls unhelpful makes sense only with the fix that was right.
  if (m.verified === true && m.helpful === false && m.corrected_fix === undefined) problem('verified with helpful=false needs corrected_fix', ['corrected_fix']);
  return m;
});

export type FeedbackMessage = z.output<typeof feedbackMessageSchema>;

export type FeedbackValidation = { ok: true; message: FeedbackMessage } | { ok: false; problems: string[] };

/** Validates a parsed JSON value; problems read "field: what is wrong". */
export function validateFeedback(value: unknown): FeedbackValidation {
  const parsed = feedbackMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)) };
}

/** The record key: feedback on one exception stays in order on one partition. */
export function feedbackKey(message: FeedbackMessage): string {
  return message.exception_id ?? message.event_id!;
}
