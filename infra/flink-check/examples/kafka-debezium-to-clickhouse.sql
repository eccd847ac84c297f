-- The kafka + debezium-json variant of the generated script (Debezium topics instead of
-- mysql-cdc), hand-written; checked by test/integration/flink-sql-check.test.ts.
CREATE TABLE `src_pipeline_doctor__flink_jobs` (
  `job_id` VARCHAR(64) NOT NULL,
  `job_name` VARCHAR(255),
  `owner` VARCHAR(128),
  `parallelism` INT,
  `updated_at` TIMESTAMP(3),
  PRIMARY KEY (`job_id`) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic' = 'cdc.local.pipeline_doctor.flink_jobs',
  'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.group.id' = 'pd-sync-flink-jobs',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'debezium-json'
);

CREATE TABLE `sink_pipeline_doctor__flink_jobs` (
  `job_id` VARCHAR(64) NOT NULL,
  `job_name` VARCHAR(255),
  `owner` VARCHAR(128),
  `parallelism` INT,
  `updated_at` TIMESTAMP(3),
  PRIMARY KEY (`job_id`) NOT ENFORCED
) WITH (
  'connector' = 'clickhouse',
  'url' = '${CLICKHOUSE_URL}',
  'database-name' = 'pipeline_doctor',
  'table-name' = 'flink_jobs',
  'username' = '${CLICKHOUSE_USER}',
  'password' = '${CLICKHOUSE_PASSWORD}'
);

EXECUTE STATEMENT SET BEGIN
INSERT INTO `sink_pipeline_doctor__flink_jobs`
SELECT `job_id`, `job_name`, `owner`, `parallelism`, `updated_at`
FROM `src_pipeline_doctor__flink_jobs`;
END;
