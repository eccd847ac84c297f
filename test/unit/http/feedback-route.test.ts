import { request } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineMetrics } from '../../../src/core/metrics.js';
import { startHttpServer } from '../../../src/http/server.js';
import { createFeedbackIntake } from '../../../src/stages/feedback/feedback-intake.js';

const health = { healthy: () => true, ready: () => true };

describe('POST /feedback', () => {
  const sent: { key: string; value: string }[] = [];
  let kafkaDown = false;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const intake = createFeedbackIntake(async (key, value) => {
      if (kafkaDown) throw new Error('broker not available');
      sent.push({ key, value });
    }, () => 'http-fixed-id');
    const started = await startHttpServer('127.0.0.1', 0, new PipelineMetrics(), health, intake);
    server = started.server;
    base = `http://127.0.0.1:${started.port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (body: string) => fetch(`${base}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('puts valid feedback on the topic and answers 202 with its id', async () => {
    const res = await post(JSON.stringify({ exception_id: '42', helpful: false, corrected_error_type: 'oom', corrected_fix: '  more heap  ' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ feedback_id: 'http-fixed-id' });
    expect(sent.at(-1)).toEqual({ key: '42', value: JSON.stringify({ exception_id: '42', helpful: false, corrected_error_type: 'oom', corrected_fix: 'more heap', feedback_id: 'http-fixed-id' }) });
  });

  it("keeps the client's feedback id, so a client retry applies once", async () => {
    const res = await post(JSON.stringify({ feedback_id: 'ticket-7', event_id: 'ev-1', helpful: true }));
    expect(await res.json()).toEqual({ feedback_id: 'ticket-7' });
    expect(sent.at(-1)?.key).toBe('ev-1');
  });

  it('answers 400 with every problem, and sends nothing', async () => {
    const count = sent.length;
    const invalid = await post(JSON.stringify({ exception_id: 'x', corrected_error_type: 'disk' }));
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: string; problems: string[] };
    expect(body.error).toBe('invalid feedback');
    expect(body.problems).toEqual([expect.stringMatching(/^exception_id: a flink_job_exceptions id/), expect.stringMatching(/^corrected_error_type: Invalid option/)]);
    const notJson = await post('{"exception_id":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'body is not JSON' });
    expect(sent.length).toBe(count);
  });

  it('answers 413 past 64 KB, declared or streamed', async () => {
    const big = JSON.stringify({ exception_id: '42', helpful: true, comment: 'x'.repeat(70_000) });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'body larger than 65536 bytes' });

    // Chunked, without a content-length: refused once the bytes read pass the limit.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/feedback`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(10_000));
      req.end();
    });
    expect(streamed).toBe(413);
  });

  it('answers 503 when the topic cannot be written', async () => {
    kafkaDown = true;
    try {
      const res = await post(JSON.stringify({ exception_id: '42', helpful: true }));
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'feedback not accepted, try again: broker not available' });
    } finally {
      kafkaDown = false;
    }
  });

  it('takes POST only', async () => {
    expect((await fetch(`${base}/feedback`)).status).toBe(405);
  });
});

describe('POST /feedback without the feedback stage', () => {
  it('answers 404 saying why', async () => {
    const { server, port } = await startHttpServer('127.0.0.1', 0, new PipelineMetrics(), health);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/feedback`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
      expect(await res.text()).toMatch(/does not run the feedback stage/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
