-- Scheduled jobs (retention, re-embedding, retraining): one row per run. A run is identified by
-- (job, scope, slot): slot is the interval-aligned start time in UTC (a manual run's own start
-- time), scope is '' for jobs that run once for the whole deployment and the instance id for
-- jobs that act on per-host state (the classifier model file, the embedded vector store).
-- Claiming is the INSERT: a duplicate key means another instance has this run. A 'running' row
-- whose lease expired (its instance died) or a 'failed' row past its retry time may be taken
-- over by one UPDATE, while attempts < the configured maximum. All times are UTC.
CREATE TABLE IF NOT EXISTS scheduled_runs (
  id               BIGINT       NOT NULL AUTO_INCREMENT,
  job              VARCHAR(64)  NOT NULL,
  scope            VARCHAR(128) NOT NULL DEFAULT '',
  slot             DATETIME(3)  NOT NULL,
  trigger_kind     ENUM('schedule','manual') NOT NULL,
  status           ENUM('running','succeeded','failed') NOT NULL,
  claim_token      CHAR(36)     NOT NULL,
  claimed_by       VARCHAR(128) NOT NULL,
  attempts         INT          NOT NULL DEFAULT 1,
  -- running: the holder renews it while it works; failed: when the run may be retried
  lease_expires_at DATETIME(3)  NOT NULL,
  started_at       DATETIME(3)  NOT NULL,
  finished_at      DATETIME(3)  NULL,
  rows_affected    BIGINT       NULL,
  detail           JSON         NULL,
  error            TEXT         NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_job_scope_slot (job, scope, slot),
  INDEX idx_started_at (started_at),
  INDEX idx_job_status (job, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Seed 001 §5: exception records are kept 90 days and may be archived. The retention job moves
-- older rows here (same columns, same ids, plus when they were archived) and deletes them from
-- flink_job_exceptions in bounded transactions. LIKE copies the columns and indexes as of this
-- migration; a later migration that adds a column to flink_job_exceptions must add it here too
-- (the retention job refuses to run while the archive lacks a column).
CREATE TABLE IF NOT EXISTS flink_job_exceptions_archive LIKE flink_job_exceptions;
-- (No IF NOT EXISTS on the ALTER: MySQL 8 has none; migrations run once.)
ALTER TABLE flink_job_exceptions_archive
  ADD COLUMN archived_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  ADD INDEX idx_archived_at (archived_at);
