-- The shape the SQL compiler generates (issue 6), hand-written: mysql-cdc sources with only the
-- columns a query needs, ClickHouse sinks, one statement set. Checked by
-- test/integration/flink-sql-check.test.ts; placeholders get dummy values in the check.
SET 'pipeline.name' = 'pd-sync tpch orders+lineitem';

CREATE TABLE `src_tpch__orders` (
  `o_orderkey` BIGINT NOT NULL,
  `o_custkey` BIGINT,
  `o_totalprice` DECIMAL(15, 2),
  `o_orderdate` DATE,
  `o_orderpriority` VARCHAR(15),
  PRIMARY KEY (`o_orderkey`) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'hostname' = '${MYSQL_TPCH_HOST}',
  'port' = '${MYSQL_TPCH_PORT}',
  'username' = '${MYSQL_TPCH_USER}',
  'password' = '${MYSQL_TPCH_PASSWORD}',
  'database-name' = 'tpch',
  'table-name' = 'orders',
  'server-id' = '5400-5404',
  'server-time-zone' = 'UTC',
  'scan.startup.mode' = 'initial'
);

CREATE TABLE `src_tpch__lineitem` (
  `l_orderkey` BIGINT NOT NULL,
  `l_linenumber` INT NOT NULL,
  `l_quantity` DECIMAL(15, 2),
  `l_extendedprice` DECIMAL(15, 2),
  `l_shipdate` DATE,
  `l_commitdate` TIMESTAMP(3),
  `l_comment` VARCHAR(44),
  PRIMARY KEY (`l_orderkey`, `l_linenumber`) NOT ENFORCED
) WITH (
  'connector' = 'mysql-cdc',
  'hostname' = '${MYSQL_TPCH_HOST}',
  'port' = '${MYSQL_TPCH_PORT}',
  'username' = '${MYSQL_TPCH_USER}',
  'password' = '${MYSQL_TPCH_PASSWORD}',
  'database-name' = 'tpch',
  'table-name' = 'lineitem',
  'server-id' = '5405-5409',
  'server-time-zone' = 'UTC',
  'scan.startup.mode' = 'initial'
);

CREATE TABLE `sink_tpch__orders` (
  `o_orderkey` BIGINT NOT NULL,
  `o_custkey` BIGINT,
  `o_totalprice` DECIMAL(15, 2),
  `o_orderdate` DATE,
  `o_orderpriority` VARCHAR(15),
  PRIMARY KEY (`o_orderkey`) NOT ENFORCED
) WITH (
  'connector' = 'clickhouse',
  'url' = '${CLICKHOUSE_URL}',
  'database-name' = 'tpch',
  'table-name' = 'orders',
  'username' = '${CLICKHOUSE_USER}',
  'password' = '${CLICKHOUSE_PASSWORD}',
  'sink.batch-size' = '1000',
  'sink.flush-interval' = '1s',
  'sink.max-retries' = '3',
  'sink.ignore-delete' = 'false'
);

CREATE TABLE `sink_tpch__lineitem` (
  `l_orderkey` BIGINT NOT NULL,
  `l_linenumber` INT NOT NULL,
  `l_quantity` DECIMAL(15, 2),
  `l_extendedprice` DECIMAL(15, 2),
  `l_shipdate` DATE,
  `l_commitdate` TIMESTAMP(3),
  `l_comment` VARCHAR(44),
  PRIMARY KEY (`l_orderkey`, `l_linenumber`) NOT ENFORCED
) WITH (
  'connector' = 'clickhouse',
  'url' = '${CLICKHOUSE_URL}',
  'database-name' = 'tpch',
  'table-name' = 'lineitem',
  'username' = '${CLICKHOUSE_USER}',
  'password' = '${CLICKHOUSE_PASSWORD}',
  'sink.ignore-delete' = 'false'
);

EXECUTE STATEMENT SET BEGIN
INSERT INTO `sink_tpch__orders`
SELECT `o_orderkey`, `o_custkey`, `o_totalprice`, `o_orderdate`, `o_orderpriority`
FROM `src_tpch__orders`;
INSERT INTO `sink_tpch__lineitem`
SELECT `l_orderkey`, `l_linenumber`, `l_quantity`, `l_extendedprice`, `l_shipdate`, `l_commitdate`, `l_comment`
FROM `src_tpch__lineitem`;
END;
