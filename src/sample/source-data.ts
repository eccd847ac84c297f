import { join } from 'node:path';
import mysql, { type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { statementGroups } from '../adapters/mysql/mysql.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { OperationalGenerator, TICKET_ID_BASE } from './operational-data.js';
import { isIdentifier, readSchemaDir, type SchemaFile } from './sql-script.js';
import { DEFAULT_SEED, DEFAULT_TPCH_SCALE, TpchGenerator, type SourceRow, type SourceValue } from './tpch-data.js';
import { TPCH_QUERIES } from './tpch-queries.js';

/**
 * The source side of the query-driven sync jobs: creates the golden schema's databases (TPC-H in
 * `tpch`, the operational `shop` and `crm`) on a MySQL/MariaDB server from the DDL files and fills
 * them with deterministic data; applies a deterministic batch of changes for the sync to follow.
 */

/** The golden source schema (owned by the SQL compiler's golden tests). */
export const DEFAULT_SCHEMA_DIR = join(PACKAGE_ROOT, 'test', 'golden', 'sql', 'schema');

/**
 * How an existing data set is replaced:
 * - `reload` (default): create what is missing, then DELETE every row and insert. Every row change
 *   reaches the binlog, so a CDC consumer replaying the topics from the start ends in the same state.
 * - `recreate`: DROP DATABASE and create from the DDL (picks up changed table definitions; Debezium
 *   sees no row deletes for the dropped rows, so CDC consumers must start after the reload).
 */
export type ResetMode = 'reload' | 'recreate';

export interface SourceDataOptions {
  /** `mysql://user:password@host:port[/db]`; the user needs CREATE/DROP/INSERT on the databases. */
  mysqlUrl: string;
  /** @default DEFAULT_SCHEMA_DIR */
  schemaDir?: string;
  /** TPC-H scale factor; the operational tables scale with it. @default 0.002 (3,000 orders) */
  scale?: number;
  /** @default 20240601 */
  seed?: number;
  /** @default 'reload' */
  reset?: ResetMode;
}

export interface LoadedTable {
  database: string;
  table: string;
  rows: number;
  /** Generated columns the table does not have (left out). */
  skippedColumns: string[];
}

export interface LoadReport {
  databases: string[];
  tables: LoadedTable[];
  /** Tables of the schema no generator knows: created, left empty. */
  emptyTables: string[];
  reset: ResetMode;
  elapsedMs: number;
}

interface ColumnInfo {
  table: string;
  database: string;
  name: string;
  nullable: boolean;
  hasDefault: boolean;
  autoIncrement: boolean;
}

/** One connection with the driver options the project uses everywhere (UTC, exact numbers as strings). */
export async function connectSource(mysqlUrl: string): Promise<Connection> {
  if (!/^mysql:\/\//.test(mysqlUrl)) throw new Error('the MySQL URL must start with mysql://');
  return mysql.createConnection({
    uri: mysqlUrl,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    charset: 'utf8mb4_bin',
  });
}

/** Creates the schema and loads the generated data. Idempotent: the same options give the same rows. */
export async function loadSourceData(options: SourceDataOptions): Promise<LoadReport> {
  const started = performance.now();
  const files = readSchemaDir(options.schemaDir ?? DEFAULT_SCHEMA_DIR);
  const databases = files.flatMap((f) => f.databases);
  if (databases.length === 0) throw new Error('the schema files create no database (CREATE DATABASE …)');
  const scale = options.scale ?? DEFAULT_TPCH_SCALE;
  const seed = options.seed ?? DEFAULT_SEED;
  const reset = options.reset ?? 'reload';
  const data = generateSourceData(scale, seed);

  const conn = await connectSource(options.mysqlUrl);
  try {
    if (reset === 'recreate') for (const db of databases) await conn.query('DROP DATABASE IF EXISTS ??', [db]);
    await applySchema(conn, files);
    const columns = await readColumns(conn, databases);
    const tables = [...new Set(columns.map((c) => `${c.database}.${c.table}`))];
    if (reset === 'reload') {
      // Children first is not needed (no foreign keys in the golden schema), but harmless.
      for (const qualified of [...tables].reverse()) await conn.query('DELETE FROM ??', [qualified]);
    }
    const loaded: LoadedTable[] = [];
    const emptyTables: string[] = [];
    for (const qualified of tables) {
      const rows = data.get(qualified);
      if (!rows) {
        emptyTables.push(qualified);
        continue;
      }
      const tableColumns = columns.filter((c) => `${c.database}.${c.table}` === qualified);
      loaded.push(await insertRows(conn, qualified, tableColumns, rows));
    }
    return { databases, tables: loaded, emptyTables, reset, elapsedMs: Math.round(performance.now() - started) };
  } finally {
    await conn.end();
  }
}

/** Every generated table, keyed `db.table`. */
export function generateSourceData(scale: number, seed: number): Map<string, SourceRow[]> {
  const out = new Map<string, SourceRow[]>();
  const tpch = new TpchGenerator({ scale, seed }).generate();
  for (const [table, rows] of Object.entries(tpch)) out.set(`tpch.${table}`, rows);
  const operational = new OperationalGenerator({ scale, seed }).generate();
  for (const [db, tables] of Object.entries(operational)) for (const [table, rows] of Object.entries(tables)) out.set(`${db}.${table}`, rows as SourceRow[]);
  return out;
}

async function applySchema(conn: Connection, files: SchemaFile[]): Promise<void> {
  for (const file of files) {
    for (const [i, statement] of file.statements.entries()) {
      try {
        await conn.query(statement);
      } catch (err) {
        throw new Error(`${file.path}, statement ${i + 1} (${statement.slice(0, 60).replace(/\s+/g, ' ')}…): ${(err as Error).message}`);
      }
    }
  }
}

async function readColumns(conn: Connection, databases: string[]): Promise<ColumnInfo[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS def, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [databases],
  );
  return rows.map((r) => ({
    database: String(r.db),
    table: String(r.tbl),
    name: String(r.col),
    nullable: r.nullable === 'YES',
    hasDefault: r.def !== null,
    autoIncrement: /auto_increment/i.test(String(r.extra)),
  }));
}

async function insertRows(conn: Connection, qualified: string, columns: ColumnInfo[], rows: SourceRow[]): Promise<LoadedTable> {
  const [database, table] = qualified.split('.') as [string, string];
  const generated = Object.keys(rows[0] ?? {});
  const names = new Set(columns.map((c) => c.name));
  const used = generated.filter((c) => names.has(c));
  const missing = columns.filter((c) => !c.nullable && !c.hasDefault && !c.autoIncrement && !used.includes(c.name));
  if (missing.length > 0) throw new Error(`${qualified}: the generator has no values for NOT NULL column(s) ${missing.map((c) => c.name).join(', ')}`);
  for (const name of used) if (!isIdentifier(name)) throw new Error(`${qualified}: unsupported column name ${JSON.stringify(name)}`);
  const values = rows.map((row) => used.map((c) => row[c] ?? null));
  await conn.beginTransaction();
  try {
    for (const group of statementGroups(values, approxBytes, 1024 * 1024)) {
      // mysql2 expands `VALUES ?` with an array of rows into escaped (…),(…) tuples.
      await conn.query('INSERT INTO ?? (??) VALUES ?', [qualified, used, group]);
    }
    await conn.commit();
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw new Error(`loading ${qualified}: ${(err as Error).message}`);
  }
  return { database, table, rows: rows.length, skippedColumns: generated.filter((c) => !names.has(c)) };
}

function approxBytes(row: SourceValue[]): number {
  let n = 8;
  for (const v of row) n += v === null ? 5 : String(v).length + 4;
  return n;
}

/** Runs each TPC-H query on the source (`tpch` as default database) and returns its row count. */
export async function checkTpchQueries(mysqlUrl: string): Promise<{ name: string; rows: number; ms: number }[]> {
  const conn = await connectSource(mysqlUrl);
  try {
    await conn.query('USE tpch');
    const out: { name: string; rows: number; ms: number }[] = [];
    for (const [name, sql] of Object.entries(TPCH_QUERIES)) {
      const t = performance.now();
      const [rows] = await conn.query<RowDataPacket[]>(sql);
      out.push({ name, rows: rows.length, ms: Math.round(performance.now() - t) });
    }
    return out;
  } finally {
    await conn.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Mutation batch

export type MutationKind = 'insert' | 'update' | 'delete' | 'key-change';

export interface MutationStatement {
  table: string;
  kind: MutationKind;
  /** What it is for, in words. */
  what: string;
  affectedRows: number;
}

/** What a mutation batch did, with the keys a test can check on the source and on a sink. */
export interface MutationReport {
  statements: MutationStatement[];
  /** Rows changed per `db.table` and kind. */
  counts: Record<string, Partial<Record<MutationKind, number>>>;
  /** Rows that must now exist (primary key values, in key column order). */
  inserted: { table: string; key: SourceValue[] }[];
  deleted: { table: string; key: SourceValue[] }[];
  keyChanges: { table: string; from: SourceValue[]; to: SourceValue[] }[];
  /** Columns set to NULL on these rows. */
  nulled: { table: string; key: SourceValue[]; columns: string[] }[];
  elapsedMs: number;
}

/**
 * A deterministic batch of changes over the golden source tables, in one transaction: UPDATEs
 * (values changed, nullable values set to NULL), primary-key changes (an order with its line
 * items, a shop customer, an account manager), DELETEs and INSERTs, chosen from the current rows
 * by key order so that running it again applies a fresh batch of the same shape. Values are
 * always parameters.
 */
export async function applyMutationBatch(options: { mysqlUrl: string; scale?: number; seed?: number }): Promise<MutationReport> {
  const started = performance.now();
  const conn = await connectSource(options.mysqlUrl);
  const report: MutationReport = { statements: [], counts: {}, inserted: [], deleted: [], keyChanges: [], nulled: [], elapsedMs: 0 };
  const run = async (table: string, kind: MutationKind, what: string, sql: string, params: unknown[]): Promise<number> => {
    const [result] = await conn.query<ResultSetHeader>(sql, params);
    report.statements.push({ table, kind, what, affectedRows: result.affectedRows });
    const counts = (report.counts[table] ??= {});
    counts[kind] = (counts[kind] ?? 0) + result.affectedRows;
    return result.affectedRows;
  };
  const column = async (sql: string, params: unknown[] = []): Promise<SourceValue[]> => {
    const [rows] = await conn.query<RowDataPacket[]>({ sql, rowsAsArray: true }, params);
    return rows.map((r) => (r as unknown as SourceValue[])[0] ?? null);
  };
  const one = async (sql: string, params: unknown[] = []): Promise<number> => Number((await column(sql, params))[0] ?? 0);

  try {
    await conn.beginTransaction();

    // --- tpch --------------------------------------------------------------------------------
    const orderKeys = (await column('SELECT o_orderkey FROM tpch.orders ORDER BY o_orderkey LIMIT 40 OFFSET 30')).map(Number);
    if (orderKeys.length < 40) throw new Error('tpch.orders has too few rows for a mutation batch: load the source data first');
    const [moveKey, deleteKey, lineDeleteKey] = [orderKeys[0]!, orderKeys[1]!, orderKeys[2]!];
    const updateKeys = orderKeys.slice(3, 13);

    await run('tpch.lineitem', 'update', 'more quantity, a 6 % discount and a new ship mode on the lines of 10 orders',
      'UPDATE tpch.lineitem SET l_quantity = l_quantity + 1, l_discount = ?, l_shipmode = ? WHERE l_orderkey IN (?)',
      ['0.06', 'MAIL', updateKeys]);
    await run('tpch.orders', 'update', 'priority and comment of the same 10 orders', 'UPDATE tpch.orders SET o_orderpriority = ?, o_comment = ? WHERE o_orderkey IN (?)',
      ['1-URGENT', 'furiously special deposits requests', updateKeys]);
    const customerKeys = (await column('SELECT c_custkey FROM tpch.customer WHERE c_mktsegment <> ? ORDER BY c_custkey LIMIT 5 OFFSET 10', ['BUILDING'])).map(Number);
    await run('tpch.customer', 'update', '5 customers move to the BUILDING segment, balance +100', 'UPDATE tpch.customer SET c_mktsegment = ?, c_acctbal = c_acctbal + 100 WHERE c_custkey IN (?)', ['BUILDING', customerKeys]);

    // Primary-key change of an order together with its lines (Debezium: delete + create for each row).
    const newOrderKey = (await one('SELECT max(o_orderkey) FROM tpch.orders')) + 1;
    const movedLines = (await column('SELECT l_linenumber FROM tpch.lineitem WHERE l_orderkey = ? ORDER BY l_linenumber', [moveKey])).map(Number);
    await run('tpch.orders', 'key-change', `order ${moveKey} renumbered ${newOrderKey}`, 'UPDATE tpch.orders SET o_orderkey = ? WHERE o_orderkey = ?', [newOrderKey, moveKey]);
    await run('tpch.lineitem', 'key-change', `its lines follow to order ${newOrderKey}`, 'UPDATE tpch.lineitem SET l_orderkey = ? WHERE l_orderkey = ?', [newOrderKey, moveKey]);
    report.keyChanges.push({ table: 'tpch.orders', from: [moveKey], to: [newOrderKey] });
    for (const line of movedLines) report.keyChanges.push({ table: 'tpch.lineitem', from: [moveKey, line], to: [newOrderKey, line] });

    // Deletes: a whole order with its lines, and the first line of another order.
    const deletedLines = (await column('SELECT l_linenumber FROM tpch.lineitem WHERE l_orderkey = ? ORDER BY l_linenumber', [deleteKey])).map(Number);
    await run('tpch.lineitem', 'delete', `the lines of order ${deleteKey}`, 'DELETE FROM tpch.lineitem WHERE l_orderkey = ?', [deleteKey]);
    await run('tpch.orders', 'delete', `order ${deleteKey}`, 'DELETE FROM tpch.orders WHERE o_orderkey = ?', [deleteKey]);
    report.deleted.push({ table: 'tpch.orders', key: [deleteKey] }, ...deletedLines.map((l) => ({ table: 'tpch.lineitem', key: [deleteKey, l] })));
    const firstLine = await one('SELECT min(l_linenumber) FROM tpch.lineitem WHERE l_orderkey = ?', [lineDeleteKey]);
    await run('tpch.lineitem', 'delete', `line ${firstLine} of order ${lineDeleteKey}`, 'DELETE FROM tpch.lineitem WHERE l_orderkey = ? AND l_linenumber = ?', [lineDeleteKey, firstLine]);
    report.deleted.push({ table: 'tpch.lineitem', key: [lineDeleteKey, firstLine] });

    // Inserts: a new customer and 5 new orders drawn like the loaded ones, under fresh keys.
    const tpch = new TpchGenerator({ scale: options.scale ?? DEFAULT_TPCH_SCALE, seed: options.seed ?? DEFAULT_SEED });
    tpch.generate();
    const newCustomer = (await one('SELECT max(c_custkey) FROM tpch.customer')) + 1;
    await run('tpch.customer', 'insert', `customer ${newCustomer}`,
      'INSERT INTO tpch.customer (c_custkey, c_name, c_address, c_nationkey, c_phone, c_acctbal, c_mktsegment, c_comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [newCustomer, `Customer#${String(newCustomer).padStart(9, '0')}`, 'Mutation Lane 1', 17, '27-555-123-4567', '4321.00', 'BUILDING', 'inserted by the mutation batch']);
    report.inserted.push({ table: 'tpch.customer', key: [newCustomer] });
    const more = tpch.moreOrders(tpch.counts.orders, 5);
    let nextKey = newOrderKey + 1;
    const renumber = new Map<SourceValue, number>();
    for (const order of more.orders) renumber.set(order.o_orderkey!, nextKey++);
    const orders: SourceRow[] = more.orders.map((o) => ({ ...o, o_orderkey: renumber.get(o.o_orderkey!)!, o_custkey: o === more.orders[0] ? newCustomer : (o.o_custkey ?? null) }));
    const lines: SourceRow[] = more.lineitem.map((l) => ({ ...l, l_orderkey: renumber.get(l.l_orderkey!)! }));
    await run('tpch.orders', 'insert', `${orders.length} new orders`, 'INSERT INTO ?? (??) VALUES ?', ['tpch.orders', Object.keys(orders[0]!), orders.map((o) => Object.values(o))]);
    await run('tpch.lineitem', 'insert', `their ${lines.length} lines`, 'INSERT INTO ?? (??) VALUES ?', ['tpch.lineitem', Object.keys(lines[0]!), lines.map((l) => Object.values(l))]);
    report.inserted.push(...orders.map((o) => ({ table: 'tpch.orders', key: [o.o_orderkey ?? null] })), ...lines.map((l) => ({ table: 'tpch.lineitem', key: [l.l_orderkey ?? null, l.l_linenumber ?? null] })));

    // --- shop --------------------------------------------------------------------------------
    const shopCustomers = (await column('SELECT id FROM shop.customers WHERE country IS NOT NULL AND birth_date IS NOT NULL ORDER BY id LIMIT 3 OFFSET 5')).map(Number);
    if (shopCustomers.length < 3) throw new Error('shop.customers has too few rows for a mutation batch: load the source data first');
    await run('shop.customers', 'update', 'country and birth date of 2 customers set to NULL', 'UPDATE shop.customers SET country = NULL, birth_date = NULL WHERE id IN (?)', [shopCustomers.slice(0, 2)]);
    for (const id of shopCustomers.slice(0, 2)) report.nulled.push({ table: 'shop.customers', key: [id], columns: ['country', 'birth_date'] });
    const newShopCustomer = (await one('SELECT max(id) FROM shop.customers')) + 1000;
    const movedCustomer = shopCustomers[2]!;
    await run('shop.customers', 'key-change', `customer ${movedCustomer} renumbered ${newShopCustomer} (their orders and CRM link keep the old id)`,
      'UPDATE shop.customers SET id = ? WHERE id = ?', [newShopCustomer, movedCustomer]);
    report.keyChanges.push({ table: 'shop.customers', from: [movedCustomer], to: [newShopCustomer] });

    const pendingOrders = (await column('SELECT id FROM shop.orders WHERE status = ? ORDER BY id LIMIT 3', ['pending'])).map(Number);
    await run('shop.orders', 'update', `orders ${pendingOrders.join(', ')} shipped`, 'UPDATE shop.orders SET status = ?, shipped_at = ? WHERE id IN (?)', ['shipped', '2024-12-30 10:00:00.123', pendingOrders]);
    const couponOrders = (await column('SELECT id FROM shop.orders WHERE coupon_code IS NOT NULL ORDER BY id LIMIT 2')).map(Number);
    await run('shop.orders', 'update', 'coupon codes removed', 'UPDATE shop.orders SET coupon_code = NULL WHERE id IN (?)', [couponOrders]);
    for (const id of couponOrders) report.nulled.push({ table: 'shop.orders', key: [id], columns: ['coupon_code'] });
    const discounted = (await column("SELECT CONCAT(order_id, ':', line_no) FROM shop.order_items WHERE discount IS NOT NULL ORDER BY order_id, line_no LIMIT 2")).map(String);
    for (const key of discounted) {
      const [orderId, lineNo] = key.split(':').map(Number) as [number, number];
      await run('shop.order_items', 'update', `discount of item ${key} removed`, 'UPDATE shop.order_items SET discount = NULL, quantity = quantity + 2 WHERE order_id = ? AND line_no = ?', [orderId, lineNo]);
      report.nulled.push({ table: 'shop.order_items', key: [orderId, lineNo], columns: ['discount'] });
    }
    // Delete an order but keep its items (orphans for an outer join), and delete another's items.
    const [orphanedOrder, emptiedOrder] = (await column('SELECT o.id FROM shop.orders o WHERE EXISTS (SELECT 1 FROM shop.order_items i WHERE i.order_id = o.id) ORDER BY o.id LIMIT 2 OFFSET 20')).map(Number) as [number, number];
    await run('shop.orders', 'delete', `order ${orphanedOrder} (its items stay, orphaned)`, 'DELETE FROM shop.orders WHERE id = ?', [orphanedOrder]);
    report.deleted.push({ table: 'shop.orders', key: [orphanedOrder] });
    const emptied = (await column('SELECT line_no FROM shop.order_items WHERE order_id = ? ORDER BY line_no', [emptiedOrder])).map(Number);
    await run('shop.order_items', 'delete', `the items of order ${emptiedOrder}`, 'DELETE FROM shop.order_items WHERE order_id = ?', [emptiedOrder]);
    report.deleted.push(...emptied.map((l) => ({ table: 'shop.order_items', key: [emptiedOrder, l] })));

    const newProduct = (await one('SELECT max(id) FROM shop.products')) + 1;
    await run('shop.products', 'insert', `product ${newProduct} (NULL weight and description)`,
      'INSERT INTO shop.products (id, sku, name, category, price, weight_grams, discontinued, description) VALUES (?, ?, ?, ?, ?, NULL, ?, NULL)',
      [newProduct, `SKU-${String(newProduct).padStart(6, '0')}`, 'Mutation Kite', 'toys', '12.34', 0]);
    report.inserted.push({ table: 'shop.products', key: [newProduct] });
    const newShopOrder = (await one('SELECT max(id) FROM shop.orders')) + 1;
    await run('shop.orders', 'insert', `order ${newShopOrder} of customer ${newShopCustomer}`,
      'INSERT INTO shop.orders (id, customer_id, status, ordered_at, shipped_at, total, coupon_code) VALUES (?, ?, ?, ?, NULL, ?, NULL)',
      [newShopOrder, newShopCustomer, 'paid', '2024-12-31 23:59:59.999', '37.02']);
    await run('shop.order_items', 'insert', 'its 2 items', 'INSERT INTO shop.order_items (order_id, line_no, product_id, quantity, unit_price, discount) VALUES ?',
      [[[newShopOrder, 1, newProduct, 3, '12.34', null], [newShopOrder, 2, newProduct, 1, '12.34', '0.100']]]);
    report.inserted.push({ table: 'shop.orders', key: [newShopOrder] }, { table: 'shop.order_items', key: [newShopOrder, 1] }, { table: 'shop.order_items', key: [newShopOrder, 2] });

    // --- crm ---------------------------------------------------------------------------------
    const crmCustomers = (await column('SELECT id FROM crm.customers WHERE shop_customer_id IS NOT NULL AND lifetime_value IS NOT NULL AND account_manager_id IS NOT NULL ORDER BY id LIMIT 3 OFFSET 3')).map(Number);
    if (crmCustomers.length < 3) throw new Error('crm.customers has too few rows for a mutation batch: load the source data first');
    await run('crm.customers', 'update', 'a customer loses its shop link and lifetime value', 'UPDATE crm.customers SET shop_customer_id = NULL, lifetime_value = NULL, updated_at = ? WHERE id = ?', ['2024-12-31 12:00:00.000', crmCustomers[0]]);
    report.nulled.push({ table: 'crm.customers', key: [crmCustomers[0]!], columns: ['shop_customer_id', 'lifetime_value'] });
    await run('crm.customers', 'update', 'a customer becomes unassigned', 'UPDATE crm.customers SET account_manager_id = NULL, segment = ? WHERE id = ?', ['enterprise', crmCustomers[1]]);
    report.nulled.push({ table: 'crm.customers', key: [crmCustomers[1]!], columns: ['account_manager_id'] });
    await run('crm.customers', 'update', 'a customer is linked to the renumbered shop customer', 'UPDATE crm.customers SET shop_customer_id = ?, company = NULL WHERE id = ?', [newShopCustomer, crmCustomers[2]]);
    report.nulled.push({ table: 'crm.customers', key: [crmCustomers[2]!], columns: ['company'] });

    const movedManager = await one('SELECT min(id) FROM crm.account_managers');
    const newManager = (await one('SELECT max(id) FROM crm.account_managers')) + 100;
    await run('crm.account_managers', 'key-change', `manager ${movedManager} renumbered ${newManager}`, 'UPDATE crm.account_managers SET id = ? WHERE id = ?', [newManager, movedManager]);
    report.keyChanges.push({ table: 'crm.account_managers', from: [movedManager], to: [newManager] });

    const openTickets = (await column('SELECT id FROM crm.tickets WHERE status = ? AND satisfaction IS NULL ORDER BY id LIMIT 2', ['open'])).map(String);
    await run('crm.tickets', 'update', 'open tickets closed', 'UPDATE crm.tickets SET status = ?, closed_at = ?, satisfaction = ? WHERE id IN (?)', ['closed', '2024-12-31 08:30:00.500', 4, openTickets]);
    const answered = (await column('SELECT id FROM crm.tickets WHERE satisfaction IS NOT NULL AND body IS NOT NULL ORDER BY id LIMIT 1')).map(String);
    await run('crm.tickets', 'update', 'a satisfaction score and body withdrawn', 'UPDATE crm.tickets SET satisfaction = NULL, body = NULL WHERE id IN (?)', [answered]);
    for (const id of answered) report.nulled.push({ table: 'crm.tickets', key: [id], columns: ['satisfaction', 'body'] });
    const deletedTickets = (await column('SELECT id FROM crm.tickets ORDER BY id LIMIT 2 OFFSET 10')).map(String);
    await run('crm.tickets', 'delete', `tickets ${deletedTickets.join(', ')}`, 'DELETE FROM crm.tickets WHERE id IN (?)', [deletedTickets]);
    report.deleted.push(...deletedTickets.map((id) => ({ table: 'crm.tickets', key: [id] })));
    const newTicket = BigInt((await column('SELECT max(id) FROM crm.tickets'))[0] ?? TICKET_ID_BASE) + 7n;
    await run('crm.tickets', 'insert', `ticket ${newTicket} about the new shop order, all nullable columns NULL but order_id`,
      'INSERT INTO crm.tickets (id, customer_id, order_id, priority, status, opened_at, closed_at, subject, body, satisfaction) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL)',
      [newTicket.toString(), crmCustomers[2], newShopOrder, 1, 'open', '2025-01-01 00:00:00.001', 'Where is my kite?']);
    report.inserted.push({ table: 'crm.tickets', key: [newTicket.toString()] });

    await conn.commit();
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    await conn.end();
  }
  report.elapsedMs = Math.round(performance.now() - started);
  return report;
}

/** `db.table` → its primary-key columns, in key order. */
export async function primaryKeys(mysqlUrl: string, databases: string[]): Promise<Map<string, string[]>> {
  const conn = await connectSource(mysqlUrl);
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col FROM information_schema.KEY_COLUMN_USAGE
        WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      [databases],
    );
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const key = `${String(r.db)}.${String(r.tbl)}`;
      out.set(key, [...(out.get(key) ?? []), String(r.col)]);
    }
    return out;
  } finally {
    await conn.end();
  }
}
