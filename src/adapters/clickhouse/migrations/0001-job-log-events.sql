-- Normalised job log events for analysts. ReplacingMergeTree on the sort key (job_id, event_id)
-- collapses replays; insert de-duplication tokens drop identical retried batches at insert time.
CREATE TABLE IF NOT EXISTS {db}.job_log_events
(
  event_id         String,
  job_id           LowCardinality(String),
  job_name         Nullable(String),
  job_type         LowCardinality(Nullable(String)),
  cluster          LowCardinality(Nullable(String)),
  env              LowCardinality(Nullable(String)),
  host             Nullable(String),
  task             Nullable(String),
  thread           Nullable(String),
  level            LowCardinality(String),
  event_time       DateTime64(3, 'UTC'),
  message          String,
  stack_trace      Nullable(String),
  attributes       Map(String, String),
  source_topic     LowCardinality(String),
  source_partition UInt16,
  source_offset    UInt64,
  ingested_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY (job_id, event_id)
TTL toDateTime(event_time) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 1000
