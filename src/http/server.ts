import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { PipelineMetrics } from '../core/metrics.js';
import { FEEDBACK_MAX_BYTES } from '../stages/feedback/feedback-message.js';
import { handleFeedbackPost, type FeedbackSubmit } from './feedback-route.js';
import type { DashboardSource } from './dashboard-data.js';
import { DASHBOARD_CSP, DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page.js';

export interface HealthSource {
  /** Process is alive and not failed. */
  healthy(): boolean;
  /** Every stage joined its group and its dependencies answered at start. */
  ready(): boolean;
}

/** Chart.js's browser build, read once from node_modules (no CDN: the page works offline). */
let chartJs: Buffer | undefined;
const chartJsFile = () => (chartJs ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js')));

const DEFAULT_WINDOW_HOURS = 168;

/** GET /api/dashboard?hours=N: the page's figures as JSON. */
function serveDashboardData(dashboard: DashboardSource, query: URLSearchParams, res: ServerResponse): void {
  const hours = Number(query.get('hours') ?? DEFAULT_WINDOW_HOURS);
  if (!Number.isInteger(hours) || hours < 1 || hours > 2160) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('hours must be an integer from 1 to 2160\n');
    return;
  }
  dashboard.snapshot(hours).then(
    (snapshot) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(snapshot));
    },
    (err: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${err.message}\n`);
    },
  );
}

/**
 * /metrics (Prometheus text), /healthz, /readyz, POST /feedback when this process runs the
 * feedback stage, and the analytics page (/, /dashboard.js, /api/dashboard) when given its data
 * source. Kept to node:http: a handful of routes need no framework.
 */
export function startHttpServer(host: string, port: number, metrics: PipelineMetrics, health: HealthSource, feedback?: FeedbackSubmit, dashboard?: DashboardSource): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
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
    if (dashboard) {
      if (path === '/' || path === '/dashboard') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DASHBOARD_CSP, 'x-content-type-options': 'nosniff' });
        res.end(DASHBOARD_HTML);
        return;
      }
      if (path === '/dashboard.js') return reply(200, DASHBOARD_JS, 'text/javascript; charset=utf-8');
      if (path === '/assets/chart.umd.min.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
        res.end(chartJsFile());
        return;
      }
      if (path === '/api/dashboard') return serveDashboardData(dashboard, new URLSearchParams(search), res);
    }
    return reply(404, `not found: try /metrics, /healthz, /readyz${dashboard ? ', / (the analytics page)' : ''}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
