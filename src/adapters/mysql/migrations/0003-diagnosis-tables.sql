-- Seed 001's tables, column for column, plus what idempotency, claiming and feedback need.
-- flink_job_exceptions: one row per error event to diagnose. Rows come from the classify stage
-- (event_id set, so a replay inserts nothing new) or from other systems (status 'pending').
-- status: pending → in_progress (claimed: claim_token, claimed_by, claim_expires_at) →
-- completed | failed. An expired claim may be taken by another worker; completing needs the
-- current claim_token, so a worker that lost its claim cannot overwrite the new owner's work.
CREATE TABLE IF NOT EXISTS flink_job_exceptions (
  id                   BIGINT       NOT NULL AUTO_INCREMENT,
  job_id               VARCHAR(64)  NOT NULL,
  job_name             VARCHAR(256) NULL,
  job_type             VARCHAR(32)  NULL,
  job_config           JSON         NULL,
  error_message        TEXT         NOT NULL,
  error_type           VARCHAR(64)  NULL,
  status               VARCHAR(32)  NOT NULL DEFAULT 'pending',
  suggested_fix        TEXT         NULL,
  diagnosis_confidence FLOAT        NULL,
  diagnosed_at         DATETIME     NULL,
  created_at           DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at           DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  -- additions
  event_id             VARCHAR(64)  NULL,
  error_subtype        VARCHAR(64)  NULL,
  fingerprint          VARCHAR(32)  NULL,
  classify_confidence  FLOAT        NULL,
  stack_trace          MEDIUMTEXT   NULL,
  event_time           DATETIME(3)  NULL,
  claim_token          CHAR(36)     NULL,
  claimed_by           VARCHAR(128) NULL,
  claim_expires_at     DATETIME(3)  NULL,
  attempts             INT          NOT NULL DEFAULT 0,
  last_error           TEXT         NULL,
  diagnosis_provider   VARCHAR(64)  NULL,
  published_at         DATETIME(3)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_event_id (event_id),
  INDEX idx_status (status),
  INDEX idx_job_id (job_id),
  INDEX idx_error_type (error_type),
  INDEX idx_created_at (created_at),
  INDEX idx_fingerprint (fingerprint),
  -- the claim query: claimable rows by status, oldest claim expiry first
  INDEX idx_status_claim (status, claim_expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS knowledge_cases (
  id                  BIGINT       NOT NULL AUTO_INCREMENT,
  case_id             VARCHAR(32)  NOT NULL,
  error_type          VARCHAR(64)  NOT NULL,
  error_pattern       TEXT         NULL,
  root_cause          TEXT         NOT NULL,
  solution            TEXT         NOT NULL,
  source_exception_id BIGINT       NULL,
  source_type         ENUM('manual','auto') NULL,
  verified            BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  -- additions
  error_subtype       VARCHAR(64)  NULL,
  fingerprint         VARCHAR(32)  NULL,
  helpful_count       INT          NOT NULL DEFAULT 0,
  unhelpful_count     INT          NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY uq_case_id (case_id),
  INDEX idx_error_type (error_type),
  INDEX idx_source_type (source_type),
  INDEX idx_verified (verified),
  INDEX idx_fingerprint (fingerprint),
  CONSTRAINT fk_case_source_exception FOREIGN KEY (source_exception_id)
    REFERENCES flink_job_exceptions (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
