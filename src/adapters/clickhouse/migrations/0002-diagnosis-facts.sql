-- One fact per diagnosed exception, from the diagnoses topic (analytics stage). A re-diagnosed
-- exception replaces its earlier fact: ReplacingMergeTree keeps the row with the latest
-- diagnosed_at per exception_id. Read exact figures with FINAL (or the views of 0003); a plain
-- read counts a replayed exception once per unmerged copy. Insert de-duplication tokens drop a
-- retried chunk at insert time, so replays rarely leave copies to merge at all.
-- event_time is the exception's time (diagnosed_at when the exception row had none): it is
-- stable per exception, so the monthly partition of a re-diagnosed exception does not move.
CREATE TABLE IF NOT EXISTS {db}.diagnosis_facts
(
  exception_id         String,
  event_id             Nullable(String),
  event_time           DateTime64(3, 'UTC'),
  job_id               LowCardinality(String),
  job_name             Nullable(String),
  -- 'unknown' / '' when the exception row had no classification
  error_type           LowCardinality(String),
  subtype              LowCardinality(String),
  fingerprint          String,
  priority             LowCardinality(String),
  confidence           Float32,
  diagnosed_at         DateTime64(3, 'UTC'),
  time_to_diagnosis_ms Nullable(UInt64),
  provider             LowCardinality(String),
  degraded             Bool,
  cached               Bool,
  root_cause           String,
  detailed_analysis    String,
  suggested_fix        String,
  related_docs         Array(String),
  similar_case_ids     Array(String),
  similar_case_scores  Array(Float32),
  source_partition     UInt16,
  source_offset        UInt64,
  ingested_at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(diagnosed_at)
PARTITION BY toYYYYMM(event_time)
ORDER BY exception_id
TTL toDateTime(event_time) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 1000;
