import { randomUUID } from 'node:crypto';
import { feedbackKey, validateFeedback } from './feedback-message.js';

export type FeedbackSubmission = { ok: true; feedback_id: string } | { ok: false; problems: string[] };

/** Produces one feedback value to the feedback topic under its key. */
export type FeedbackSend = (key: string, value: string) => Promise<void>;

/**
 * Feedback given over HTTP: validated at once (the caller hears what is wrong), given an id
 * unless the client chose one (a client retrying with its id applies once), and produced to the
 * feedback topic, where the stage applies it as it applies every other record.
 */
export function createFeedbackIntake(send: FeedbackSend, newId: () => string = () => `http-${randomUUID()}`): (body: unknown) => Promise<FeedbackSubmission> {
  return async (body) => {
    const validation = validateFeedback(body);
    if (!validation.ok) return validation;
    const message = { ...validation.message, feedback_id: validation.message.feedback_id ?? newId() };
    await send(feedbackKey(message), JSON.stringify(message));
    return { ok: true, feedback_id: message.feedback_id };
  };
}
