-- An online shop's operational database. `shop.customers` shares its name with `crm.customers`;
-- crm.customers.shop_customer_id and crm.tickets.order_id point into this database.
-- utf8mb4_bin: binary comparison and ordering, as ClickHouse compares strings; a _ci collation would make
-- 'a' = 'A' true on MariaDB only (the compiler's report flags _ci columns a query compares).
CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE TABLE IF NOT EXISTS shop.customers (
  id INT NOT NULL AUTO_INCREMENT,
  email VARCHAR(255) NOT NULL,
  full_name VARCHAR(100) NOT NULL,
  country CHAR(2) NULL,
  birth_date DATE NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_customers_email (email)
);

CREATE TABLE IF NOT EXISTS shop.products (
  id INT NOT NULL AUTO_INCREMENT,
  sku VARCHAR(32) NOT NULL,
  name VARCHAR(200) NOT NULL,
  category ENUM('books','electronics','garden','toys') NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  weight_grams INT UNSIGNED NULL,
  discontinued BOOLEAN NOT NULL DEFAULT 0,
  description TEXT NULL,
  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS shop.orders (
  id BIGINT NOT NULL AUTO_INCREMENT,
  customer_id INT NOT NULL,
  status ENUM('pending','paid','shipped','cancelled','refunded') NOT NULL,
  ordered_at DATETIME(3) NOT NULL,
  shipped_at DATETIME(3) NULL,
  total DECIMAL(12,2) NOT NULL,
  coupon_code VARCHAR(20) NULL,
  PRIMARY KEY (id),
  KEY ix_orders_customer (customer_id)
);

CREATE TABLE IF NOT EXISTS shop.order_items (
  order_id BIGINT NOT NULL,
  line_no SMALLINT NOT NULL,
  product_id INT NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  discount DECIMAL(4,3) NULL,
  PRIMARY KEY (order_id, line_no)
);
