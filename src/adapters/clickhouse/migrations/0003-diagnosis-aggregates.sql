-- Aggregates for analysts, kept by materialised views over diagnosis_facts.
-- An MV sees each inserted block, so a replay (in any batch composition) feeds it the same
-- exceptions again, and a re-diagnosis feeds it the exception once more. Every state below is
-- idempotent: uniqExact over exception ids, min / max of the (stable) event time, argMax by
-- (diagnosed_at, exception_id). Feeding a fact twice changes nothing, so these aggregates are
-- exact without FINAL; a sum or count state (SummingMergeTree) would double count.
-- Limits: the group keys (event hour, error_type, subtype, job_id, fingerprint) are taken as
-- stable per exception, which they are (they come from the exception row); figures that can
-- change with a re-diagnosis (priority, degraded, time to diagnosis) are read from
-- diagnosis_facts FINAL instead (views at the end), as are percentiles, which have no
-- idempotent state. docs/benchmarks.md has the read cost of each option.

-- Per hour × error type × subtype × job: exceptions and distinct fingerprints.
CREATE TABLE IF NOT EXISTS {db}.diagnosis_hourly_agg
(
  hour         DateTime('UTC'),
  error_type   LowCardinality(String),
  subtype      LowCardinality(String),
  job_id       LowCardinality(String),
  job_name     AggregateFunction(argMax, Nullable(String), DateTime64(3, 'UTC')),
  exceptions   AggregateFunction(uniqExact, String),
  fingerprints AggregateFunction(uniqExact, Nullable(String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, error_type, subtype, job_id)
TTL hour + INTERVAL 90 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.diagnosis_hourly_mv TO {db}.diagnosis_hourly_agg AS
SELECT
  toStartOfHour(event_time) AS hour,
  error_type,
  subtype,
  job_id,
  argMaxState(job_name, event_time) AS job_name,
  uniqExactState(exception_id) AS exceptions,
  uniqExactState(nullIf(fingerprint, '')) AS fingerprints
FROM {db}.diagnosis_facts
GROUP BY hour, error_type, subtype, job_id;

-- Per fingerprint × hour: exceptions, jobs, first / last seen, and the latest diagnosis.
CREATE TABLE IF NOT EXISTS {db}.diagnosis_fingerprint_agg
(
  fingerprint String,
  hour        DateTime('UTC'),
  exceptions  AggregateFunction(uniqExact, String),
  jobs        AggregateFunction(uniqExact, String),
  first_seen  SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen   SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
  latest      AggregateFunction(argMax, Tuple(error_type String, subtype String, priority String, root_cause String, suggested_fix String, provider String, exception_id String, diagnosed_at DateTime64(3, 'UTC')), Tuple(DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (fingerprint, hour)
TTL hour + INTERVAL 90 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.diagnosis_fingerprint_mv TO {db}.diagnosis_fingerprint_agg AS
SELECT
  fingerprint,
  toStartOfHour(event_time) AS hour,
  uniqExactState(exception_id) AS exceptions,
  uniqExactState(toString(job_id)) AS jobs,
  min(event_time) AS first_seen,
  max(event_time) AS last_seen,
  argMaxState(
    CAST((toString(error_type), toString(subtype), toString(priority), root_cause, suggested_fix, toString(provider), exception_id, diagnosed_at),
      'Tuple(error_type String, subtype String, priority String, root_cause String, suggested_fix String, provider String, exception_id String, diagnosed_at DateTime64(3, \'UTC\'))'),
    (diagnosed_at, exception_id)) AS latest
FROM {db}.diagnosis_facts
WHERE fingerprint != ''
GROUP BY fingerprint, hour;

-- Read-side views: the states above finalised, and the de-duplicated facts.

-- One row per hour × error type × subtype × job.
CREATE VIEW IF NOT EXISTS {db}.diagnosis_hourly AS
SELECT
  hour,
  error_type,
  subtype,
  job_id,
  argMaxMerge(job_name) AS job_name,
  uniqExactMerge(exceptions) AS exceptions,
  uniqExactMerge(fingerprints) AS fingerprints
FROM {db}.diagnosis_hourly_agg
GROUP BY hour, error_type, subtype, job_id;

-- One row per fingerprint over the retention period, with its latest diagnosis. For a time
-- window, aggregate diagnosis_fingerprint_agg with a WHERE on hour (docs/analytics.md).
CREATE VIEW IF NOT EXISTS {db}.diagnosis_top_fingerprints AS
SELECT
  fingerprint,
  uniqExactMerge(exceptions) AS exceptions,
  uniqExactMerge(jobs) AS jobs,
  min(first_seen) AS first_seen,
  max(last_seen) AS last_seen,
  argMaxMerge(latest) AS latest_diagnosis,
  latest_diagnosis.error_type AS error_type,
  latest_diagnosis.subtype AS subtype,
  latest_diagnosis.priority AS priority,
  latest_diagnosis.root_cause AS root_cause,
  latest_diagnosis.suggested_fix AS suggested_fix,
  latest_diagnosis.provider AS provider,
  latest_diagnosis.exception_id AS latest_exception_id,
  latest_diagnosis.diagnosed_at AS latest_diagnosed_at
FROM {db}.diagnosis_fingerprint_agg
GROUP BY fingerprint;

-- The facts with replays and earlier diagnoses collapsed: one row per exception.
CREATE VIEW IF NOT EXISTS {db}.diagnosis_facts_final AS
SELECT * FROM {db}.diagnosis_facts FINAL;

-- Time to diagnosis per day × error type: count, mean and exact percentiles (ms) over the
-- latest diagnosis of each exception.
CREATE VIEW IF NOT EXISTS {db}.diagnosis_ttd_daily AS
SELECT
  toDate(event_time) AS day,
  error_type,
  count() AS diagnosed,
  avg(time_to_diagnosis_ms) AS mean_ms,
  quantileExact(0.5)(time_to_diagnosis_ms) AS p50_ms,
  quantileExact(0.9)(time_to_diagnosis_ms) AS p90_ms,
  quantileExact(0.99)(time_to_diagnosis_ms) AS p99_ms,
  max(time_to_diagnosis_ms) AS max_ms
FROM {db}.diagnosis_facts FINAL
WHERE time_to_diagnosis_ms IS NOT NULL
GROUP BY day, error_type;
