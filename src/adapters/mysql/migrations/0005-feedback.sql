-- Operator feedback on diagnoses, one row per feedback message. feedback_id is the idempotency
-- key (the client's id, else the Kafka record's topic-partition-offset): a replayed message
-- finds its row and changes nothing twice. No foreign key to flink_job_exceptions: feedback is
-- history and outlives the exception rows it judged.
CREATE TABLE IF NOT EXISTS diagnosis_feedback (
  id                     BIGINT        NOT NULL AUTO_INCREMENT,
  -- a Kafka topic name alone may have 249 characters
  feedback_id            VARCHAR(300)  NOT NULL,
  exception_id           BIGINT        NOT NULL,
  helpful                BOOLEAN       NULL,
  corrected_error_type   VARCHAR(64)   NULL,
  corrected_subtype      VARCHAR(64)   NULL,
  corrected_fix          TEXT          NULL,
  verified               BOOLEAN       NULL,
  submitted_by           VARCHAR(128)  NULL,
  comment                TEXT          NULL,
  -- what applying it did: the exception's type and subtype it replaced (the classifier's own for
  -- the first correction), the case whose helpful/unhelpful count it changed, the case it verified
  previous_error_type    VARCHAR(64)   NULL,
  previous_error_subtype VARCHAR(64)   NULL,
  rated_case_id          VARCHAR(32)   NULL,
  verified_case_id       VARCHAR(32)   NULL,
  created_at             DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uq_feedback_id (feedback_id),
  INDEX idx_exception_id (exception_id),
  INDEX idx_corrected_error_type (corrected_error_type),
  INDEX idx_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
