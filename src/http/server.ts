import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PipelineMetrics } from '../core/metrics.js';
import { FEEDBACK_MAX_BYTES } from '../stages/feedback/feedback-message.js';
import { handleFeedbackPost, type FeedbackSubmit } from './feedback-route.js';

export interface HealthSource {
  /** Process is alive and not failed. */
  healthy(): boolean;
  /** Every stage joined its group and its dependencies answered at start. */
  ready(): boolean;
}

/**
 * /metrics (Prometheus text), /healthz, /readyz, and POST /feedback when this process runs the
 * feedback stage (`feedback`). Kept to node:http: four routes need no framework.
 */
export function startHttpServer(host: string, port: number, metrics: PipelineMetrics, health: HealthSource, feedback?: FeedbackSubmit): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === '/feedback') {
      if (!feedback) return reply(404, 'feedback is not taken here: this process does not run the feedback stage\n');
      if (req.method !== 'POST') return reply(405, 'POST a JSON body to /feedback\n');
      void handleFeedbackPost(req, res, feedback, FEEDBACK_MAX_BYTES);
      return;
    }
    if (req.method !== 'GET') return reply(405, 'method not allowed\n');
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => reply(200, text, metrics.registry.contentType),
        (err: Error) => reply(500, `${err.message}\n`),
      );
      return;
    }
    if (path === '/healthz') return health.healthy() ? reply(200, 'ok\n') : reply(503, 'failed\n');
    if (path === '/readyz') return health.ready() ? reply(200, 'ready\n') : reply(503, 'not ready\n');
    return reply(404, 'not found: try /metrics, /healthz, /readyz\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
