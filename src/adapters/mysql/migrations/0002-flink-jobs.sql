-- The job registry: one row per Flink job. Other systems write it; Debezium streams its changes
-- (cdc.<server>.pipeline_doctor.flink_jobs) and the catalog stage materialises them by job_id.
CREATE TABLE IF NOT EXISTS flink_jobs (
  job_id     VARCHAR(64)  NOT NULL,
  job_name   VARCHAR(256) NULL,
  job_type   VARCHAR(32)  NULL,
  job_config JSON         NULL,
  updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (job_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
