// The analytics web page: static HTML and a script that reads GET /api/dashboard and draws it
// with Chart.js (served from node_modules, no CDN: the page works offline). Every text from the
// data (root causes and fixes are model output) is set with textContent, never as HTML, and the
// Content-Security-Policy allows scripts from this server only.

export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipeline Doctor — errors and diagnoses</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 12px 24px; display: flex; align-items: baseline; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; }
  header .meta { color: #aab; font-size: 12px; }
  main { padding: 16px 24px; display: grid; grid-template-columns: 2fr 1fr; gap: 16px; }
  section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceef2; vertical-align: top; }
  th { font-weight: 600; color: #555; font-size: 12px; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  code { font-size: 12px; }
  .prio-high, .prio-critical { color: #b3261e; font-weight: 600; }
  .fix { color: #444; font-size: 12px; }
  .errors { color: #b3261e; }
  .empty { color: #888; }
  select { font: inherit; }
</style>
</head>
<body>
<header>
  <h1>Pipeline Doctor</h1>
  <span class="meta">errors and diagnoses · <span id="generated">loading…</span></span>
  <label class="meta">window
    <select id="hours">
      <option value="24">24 hours</option>
      <option value="168" selected>7 days</option>
      <option value="720">30 days</option>
      <option value="2160">90 days</option>
    </select>
  </label>
</header>
<main>
  <section class="wide">
    <h2>Errors by type over time</h2>
    <canvas id="trend" height="90" aria-label="errors per hour by type"></canvas>
  </section>
  <section class="wide">
    <h2>Top fingerprints and their latest diagnosis</h2>
    <table id="top"><thead><tr>
      <th>fingerprint</th><th>type / subtype</th><th>errors</th><th>jobs</th><th>first seen</th><th>last seen</th><th>priority</th><th>latest diagnosis</th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Dead-letter queues</h2>
    <table id="dlq"><thead><tr><th>topic</th><th>records</th><th>by reason</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Consumer lag</h2>
    <table id="lag"><thead><tr><th>stage</th><th>input topic</th><th>records behind</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide errors" id="problems" hidden></section>
</main>
<script src="/assets/chart.umd.min.js"></script>
<script src="/dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = `'use strict';
(function () {
  var COLORS = { checkpoint_failure: '#4e79a7', backpressure: '#f28e2b', deserialization_error: '#e15759', oom: '#76b7b2', network: '#59a14f', other: '#b07aa1', unknown: '#9c755f' };
  var chart = null;
  var HOUR = 3600000;

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function fill(id, rows, render, emptyText) {
    var body = document.querySelector('#' + id + ' tbody');
    body.replaceChildren();
    if (rows.length === 0) {
      var tr = document.createElement('tr');
      var td = cell(tr, emptyText, 'empty');
      td.colSpan = 8;
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) { var tr = document.createElement('tr'); render(tr, r); body.appendChild(tr); });
  }
  function hourKey(text) { return Date.parse(text.replace(' ', 'T') + 'Z'); }
  function label(ms) { return new Date(ms).toISOString().slice(5, 13).replace('T', ' ') + 'h'; }

  function drawTrend(snapshot) {
    var now = Date.parse(snapshot.generated_at);
    var last = Math.floor(now / HOUR) * HOUR;
    // Long windows are drawn per day, short ones per hour, with empty buckets as zeros.
    var step = snapshot.hours > 72 ? 24 * HOUR : HOUR;
    var first = Math.floor((last - (snapshot.hours - 1) * HOUR) / step) * step;
    var buckets = [];
    for (var t = first; t <= last; t += step) buckets.push(t);
    var types = [];
    snapshot.trend.forEach(function (p) { if (types.indexOf(p.error_type) < 0) types.push(p.error_type); });
    types.sort();
    var datasets = types.map(function (type) {
      var data = buckets.map(function () { return 0; });
      snapshot.trend.forEach(function (p) {
        if (p.error_type !== type) return;
        var i = Math.floor((hourKey(p.hour) - first) / step);
        if (i >= 0 && i < data.length) data[i] += p.exceptions;
      });
      return { label: type, data: data, backgroundColor: COLORS[type] || '#999', stack: 'errors' };
    });
    var labels = buckets.map(function (b) { return step === HOUR ? label(b) : new Date(b).toISOString().slice(0, 10); });
    if (chart) chart.destroy();
    chart = new Chart(document.getElementById('trend'), {
      type: 'bar',
      data: { labels: labels, datasets: datasets },
      options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: step === HOUR ? 'errors per hour' : 'errors per day' } } } },
    });
    return { buckets: buckets.length, types: types, total: datasets.reduce(function (n, d) { return n + d.data.reduce(function (a, b) { return a + b; }, 0); }, 0) };
  }

  function render(snapshot) {
    document.getElementById('generated').textContent = 'updated ' + snapshot.generated_at.replace('T', ' ').slice(0, 19) + ' UTC';
    var drawn = drawTrend(snapshot);
    fill('top', snapshot.top_fingerprints, function (tr, f) {
      var code = document.createElement('code');
      code.textContent = f.fingerprint.slice(0, 16);
      code.title = f.fingerprint;
      var td = document.createElement('td'); td.appendChild(code); tr.appendChild(td);
      cell(tr, f.latest.error_type + ' / ' + f.latest.subtype);
      cell(tr, f.exceptions.toLocaleString('en-US'), 'num');
      cell(tr, f.jobs, 'num');
      cell(tr, f.first_seen.slice(0, 16));
      cell(tr, f.last_seen.slice(0, 16));
      cell(tr, f.latest.priority, 'prio-' + f.latest.priority);
      var diag = cell(tr, f.latest.root_cause);
      var fix = document.createElement('div');
      fix.className = 'fix';
      fix.textContent = 'fix: ' + f.latest.suggested_fix;
      diag.appendChild(fix);
    }, 'no diagnosed errors in this window');
    fill('dlq', snapshot.dlq, function (tr, d) {
      cell(tr, d.topic);
      cell(tr, d.records.toLocaleString('en-US'), 'num');
      cell(tr, Object.keys(d.by_reason).sort().map(function (k) { return k + ' ' + d.by_reason[k]; }).join(', '));
    }, 'no DLQ topics');
    fill('lag', snapshot.lag, function (tr, l) {
      cell(tr, l.stage);
      cell(tr, l.topic);
      cell(tr, l.records.toLocaleString('en-US'), 'num');
    }, 'no stages');
    var problems = document.getElementById('problems');
    problems.hidden = snapshot.errors.length === 0;
    problems.textContent = snapshot.errors.length ? 'Could not read: ' + snapshot.errors.join('; ') : '';
    // For tests and for whoever wants to script the page.
    window.dashboard = { rendered: true, snapshot: snapshot, chart: drawn };
  }

  function load() {
    var hours = document.getElementById('hours').value;
    fetch('/api/dashboard?hours=' + encodeURIComponent(hours))
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(render)
      .catch(function (err) {
        var problems = document.getElementById('problems');
        problems.hidden = false;
        problems.textContent = 'Could not load the figures: ' + err.message;
        window.dashboard = { rendered: false, error: err.message };
      });
  }
  document.getElementById('hours').addEventListener('change', load);
  load();
  setInterval(load, 30000);
})();
`;
