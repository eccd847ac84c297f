import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../core/errors.js';
import type { FeedbackSubmission } from '../stages/feedback/feedback-intake.js';

export type FeedbackSubmit = (body: unknown) => Promise<FeedbackSubmission>;

class BodyTooLarge extends Error {}

function replyJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/** The request body, refused as soon as it passes `maxBytes` (declared or streamed). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * POST /feedback: a JSON body (schemas/feedback.schema.json) → 202 with the feedback id once it
 * is on the feedback topic; 400 with every problem; 413 past `maxBytes`; 503 when Kafka refuses.
 */
export async function handleFeedbackPost(req: IncomingMessage, res: ServerResponse, submit: FeedbackSubmit, maxBytes: number): Promise<void> {
  let raw: Buffer;
  try {
    raw = await readBody(req, maxBytes);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) return replyJson(res, 400, { error: `cannot read the body: ${errorMessage(err)}` });
    // The rest of the body is not read: close the connection instead of leaving it half-consumed.
    replyJson(res, 413, { error: `body larger than ${maxBytes} bytes` }, { connection: 'close' });
    res.on('finish', () => req.destroy());
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return replyJson(res, 400, { error: 'body is not JSON', problems: [errorMessage(err)] });
  }
  let result: FeedbackSubmission;
  try {
    result = await submit(body);
  } catch (err) {
    return replyJson(res, 503, { error: `feedback not accepted, try again: ${errorMessage(err)}` });
  }
  if (!result.ok) return replyJson(res, 400, { error: 'invalid feedback', problems: result.problems });
  replyJson(res, 202, { feedback_id: result.feedback_id });
}
