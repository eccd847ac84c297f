-- A CRM's operational database. `crm.customers` shares its name with `shop.customers` and links to
-- it through shop_customer_id (NULL for prospects that never bought); tickets may name a shop order.
-- utf8mb4_bin: binary comparison and ordering, as ClickHouse compares strings; a _ci collation would make
-- 'a' = 'A' true on MariaDB only (the compiler's report flags _ci columns a query compares).
CREATE DATABASE IF NOT EXISTS crm CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE IF NOT EXISTS crm.account_managers (
  id INT NOT NULL,
  name VARCHAR(80) NOT NULL,
  region VARCHAR(20) NOT NULL,
  hired_on DATE NOT NULL,
  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS crm.customers (
  id INT NOT NULL,
  shop_customer_id INT NULL,
  company VARCHAR(120) NULL,
  segment ENUM('smb','mid','enterprise') NOT NULL,
  account_manager_id INT NULL,
  lifetime_value DECIMAL(14,2) NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS crm.tickets (
  id BIGINT UNSIGNED NOT NULL,
  customer_id INT NOT NULL,
  order_id BIGINT NULL,
  priority TINYINT UNSIGNED NOT NULL,
  status ENUM('open','pending','solved','closed') NOT NULL,
  opened_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  subject VARCHAR(200) NOT NULL,
  body TEXT NULL,
  satisfaction TINYINT NULL,
  PRIMARY KEY (id)
);
