-- Runs once, on the first start of the compose `mysql` service (empty data volume),
-- from /docker-entrypoint-initdb.d. Development credentials: change them (and the matching
-- variables in docker-compose.yml) for anything that is not a laptop.

CREATE DATABASE IF NOT EXISTS pipeline_doctor
  CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;

-- The pipeline: system of record (migrations run at start, so it owns its schema).
CREATE USER IF NOT EXISTS 'pd'@'%' IDENTIFIED BY 'pd';
GRANT ALL PRIVILEGES ON pipeline_doctor.* TO 'pd'@'%';
-- `sql preview` reads information_schema and the business source databases.
GRANT SELECT, SHOW VIEW ON *.* TO 'pd'@'%';

-- Debezium MySQL connector (Debezium docs, "Creating a user"): snapshot + binlog streaming.
-- LOCK TABLES is needed when the global read lock is unavailable during the snapshot.
CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY 'dbz';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES
  ON *.* TO 'debezium'@'%';

FLUSH PRIVILEGES;
