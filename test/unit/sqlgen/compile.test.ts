import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClickHouse } from '../../../src/adapters/clickhouse/clickhouse.js';
import { Catalog, loadCatalogFile, parseCatalog, type CatalogData } from '../../../src/stages/sqlgen/catalog.js';
import { compileFromColumns, compileSyncPlan, featuresFromText } from '../../../src/stages/sqlgen/compile.js';
import { CatalogError, SqlGenInputError, UnsupportedQueryError } from '../../../src/stages/sqlgen/errors.js';
import type { SyncPlan } from '../../../src/stages/sqlgen/plan.js';
import { mapColumnType } from '../../../src/stages/sqlgen/types.js';

const catalog = new Catalog(loadCatalogFile(join(import.meta.dirname, '../../golden/sql/catalog.json')));

function plan(query: string, options: Partial<Parameters<typeof compileSyncPlan>[1]> = {}): SyncPlan {
  return compileSyncPlan(query, { catalog, ...options });
}

function columns(p: SyncPlan): Record<string, string[]> {
  return Object.fromEntries(p.tables.map((t) => [`${t.database}.${t.table}`, t.columns.map((c) => c.name)]));
}

function reasons(p: SyncPlan, table: string, column: string): string[] {
  return p.tables.find((t) => `${t.database}.${t.table}` === table)?.columns.find((c) => c.name === column)?.reasons ?? [];
}

describe('column resolution', () => {
  it('keeps exactly the referenced columns plus the primary key, in ordinal order, with reasons', () => {
    const p = plan('select o.total from shop.orders o where o.status = \'paid\' order by o.ordered_at');
    expect(columns(p)).toEqual({ 'shop.orders': ['id', 'status', 'ordered_at', 'total'] });
    expect(reasons(p, 'shop.orders', 'id')).toEqual(['primary key']);
    expect(reasons(p, 'shop.orders', 'status')).toEqual(['filter']);
    expect(reasons(p, 'shop.orders', 'ordered_at')).toEqual(['order by']);
    expect(reasons(p, 'shop.orders', 'total')).toEqual(['projection']);
  });

  it('expands * to every column, but not inside EXISTS', () => {
    expect(columns(plan('select * from crm.account_managers'))).toEqual({ 'crm.account_managers': ['id', 'name', 'region', 'hired_on'] });
    const p = plan('select m.id from crm.account_managers m where exists (select * from crm.customers c where c.account_manager_id = m.id)');
    expect(columns(p)['crm.customers']).toEqual(['id', 'account_manager_id']);
  });

  it('pulls through a derived table\'s * only the columns the outer query uses', () => {
    const p = plan('select d.region from (select * from crm.account_managers) as d');
    expect(columns(p)).toEqual({ 'crm.account_managers': ['id', 'region'] });
    // Under DISTINCT or UNION every column counts.
    expect(columns(plan('select d.region from (select * from crm.account_managers union select * from crm.account_managers) as d'))['crm.account_managers']).toHaveLength(4);
  });

  it('needs every column under DISTINCT *, and refuses a qualifier two tables share', () => {
    expect(columns(plan('select count(*) from (select distinct * from crm.account_managers) as d'))['crm.account_managers']).toHaveLength(4);
    expect(columns(plan('select count(*) from (select * from crm.account_managers) as d'))['crm.account_managers']).toEqual(['id']);
    expect(() => plan('select customers.id from shop.customers join crm.customers on crm.customers.shop_customer_id = shop.customers.id')).toThrow(/customers\.id is ambiguous/);
  });

  it('does not count `col AS col` as an alias shadowing a column', () => {
    expect(plan('select total as total from shop.orders where total > 1').clickhouseSettings.prefer_column_name_to_alias).toBeUndefined();
    expect(plan('select total * 2 as total from shop.orders where total > 1').clickhouseSettings.prefer_column_name_to_alias).toBe(1);
  });

  it('resolves CTE columns, renamed CTE columns and nested CTE references', () => {
    const p = plan('with a (mid, r) as (select id, region from crm.account_managers), b as (select r from a where mid > 3) select r from b');
    expect(columns(p)).toEqual({ 'crm.account_managers': ['id', 'region'] });
  });

  it('binds correlated references to the outer table and says so', () => {
    const p = plan('select c.id from shop.customers c where c.created_at = (select max(o.ordered_at) from shop.orders o where o.customer_id = c.id)');
    expect(reasons(p, 'shop.customers', 'id')).toEqual(expect.arrayContaining(['primary key', 'projection', 'filter', 'correlation']));
    expect(p.clickhouseSettings.allow_experimental_correlated_subqueries).toBe(1);
  });

  it('tells the same table name in two databases apart, with separate Flink tables', () => {
    const p = plan('select s.email, c.company from shop.customers s join crm.customers c on c.shop_customer_id = s.id');
    expect(columns(p)).toEqual({ 'crm.customers': ['id', 'shop_customer_id', 'company'], 'shop.customers': ['id', 'email'] });
    expect(p.flinkSql).toContain('CREATE TABLE `src_crm__customers`');
    expect(p.flinkSql).toContain('CREATE TABLE `src_shop__customers`');
    expect(p.flinkSql).toContain('INSERT INTO `ck_shop__customers`');
  });

  it('follows MySQL name lookup: ORDER BY prefers the select alias, GROUP BY the column', () => {
    // ORDER BY email names the alias (the country column): shop.customers.email is not needed.
    expect(columns(plan('select country as email from shop.customers order by email'))['shop.customers']).toEqual(['id', 'country']);
    // GROUP BY email names the column email.
    expect(columns(plan('select country as email from shop.customers group by email'))['shop.customers']).toEqual(['id', 'email', 'country']);
    // ORDER BY after a UNION names the union's output columns.
    expect(() => plan('select email from shop.customers union all select name from crm.account_managers order by email')).not.toThrow();
    // Ordinals refer to the select list.
    expect(columns(plan('select region from crm.account_managers order by 1'))).toEqual({ 'crm.account_managers': ['id', 'region'] });
  });

  it('resolves USING columns on both sides and lets unqualified use of them through', () => {
    const p = plan('select id, t.subject from crm.tickets t join crm.customers c using (id)');
    expect(columns(p)).toEqual({ 'crm.customers': ['id'], 'crm.tickets': ['id', 'subject'] });
  });

  it('resolves unqualified tables against the default database and qualified db.table.column references', () => {
    const p = plan('select shop.orders.total from orders', { defaultDatabase: 'shop' });
    expect(columns(p)).toEqual({ 'shop.orders': ['id', 'total'] });
  });

  it('resolves window PARTITION BY / ORDER BY and named windows', () => {
    const p = plan('select sum(total) over w from shop.orders window w as (partition by customer_id order by ordered_at)');
    expect(reasons(p, 'shop.orders', 'customer_id')).toEqual(['window']);
    expect(reasons(p, 'shop.orders', 'ordered_at')).toEqual(['window']);
  });
});

describe('errors', () => {
  const cases: [string, string, RegExp, Partial<Parameters<typeof compileSyncPlan>[1]>?][] = [
    ['update shop.orders set total = 0', 'not_select', /only SELECT/],
    ['select 1 from shop.orders; select 2 from shop.orders', 'multiple_statements', /2 statements/],
    ['select from where', 'parse_error', /does not parse as MySQL \(line 1/],
    ['', 'empty_query', /empty/],
    ['select o.nope from shop.orders o', 'unknown_column', /shop\.orders has no column nope/],
    ['select x.id from shop.orders o', 'unknown_table', /unknown table x/],
    ['select id from shop.orders o join shop.customers c on c.id = o.customer_id', 'ambiguous_column', /ambiguous.*shop\.orders.*shop\.customers/],
    ['select id from nowhere.things', 'unknown_table', /unknown table nowhere\.things/],
    ['select id from customers', 'unknown_table', /has no database/],
    ['select id from customers', 'unknown_table', /unknown table tpch\.customers \(the catalog has crm\.customers, shop\.customers\)/, { defaultDatabase: 'tpch' }],
    ['select * from shop.orders into outfile \'/tmp/x\'', 'not_select', /INTO/],
  ];
  it.each(cases)('%s → %s', (query, code, message, options) => {
    let caught: unknown;
    try {
      plan(query, options ?? {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SqlGenInputError);
    expect((caught as SqlGenInputError).code).toBe(code);
    expect((caught as Error).message).toMatch(message);
  });

  it('gives UnsupportedQueryError for valid SQL it cannot translate', () => {
    expect(() => plan('with recursive r as (select 1 as n union all select n + 1 from r where n < 3) select n from r')).toThrow(UnsupportedQueryError);
    expect(() => plan('select 1 from shop.orders natural join shop.order_items')).toThrow(UnsupportedQueryError);
  });

  it('refuses a table without a primary key', () => {
    const data: CatalogData = { servers: [{ name: 'x' }], tables: [{ server: 'x', database: 'd', table: 'log', columns: [{ name: 'line', columnType: 'text', dataType: 'text', nullable: true }], primaryKey: [] }] };
    expect(() => compileSyncPlan('select line from d.log', { catalog: new Catalog(data) })).toThrow(/d\.log has no primary key/);
  });
});

describe('generated SQL', () => {
  it('writes credentials as placeholders and the sink options the Flink checker accepts', () => {
    const p = plan('select email from shop.customers');
    expect(p.flinkSql).toContain("'username' = '${MYSQL_LOCAL_USER}'");
    expect(p.flinkSql).toContain("'password' = '${MYSQL_LOCAL_PASSWORD}'");
    expect(p.flinkSql).toContain("'hostname' = '127.0.0.1'");
    const sink = /CREATE TABLE `ck_shop__customers` \([\s\S]*?\) WITH \(([\s\S]*?)\n\);/.exec(p.flinkSql)?.[1] ?? '';
    const keys = [...sink.matchAll(/^\s*'([^']+)' =/gm)].map((m) => m[1]);
    expect(keys).toEqual(['connector', 'url', 'database-name', 'table-name', 'username', 'password']);
    expect(sink).toContain("'url' = '${CLICKHOUSE_URL}'");
    expect(p.flinkSql).toMatch(/PRIMARY KEY \(`id`\) NOT ENFORCED/);
    expect(p.flinkSql).toMatch(/EXECUTE STATEMENT SET\nBEGIN\nINSERT INTO `ck_shop__customers`\nSELECT `id`, `email`\nFROM `src_shop__customers`;\nEND;/);
  });

  it('reads the Debezium topics with --source kafka, converting DATE and DATETIME', () => {
    const p = plan('select ordered_at, total from shop.orders', { source: 'kafka-debezium-json', cdcTopicPrefix: 'cdc.prod' });
    expect(p.tables[0]!.cdcTopic).toBe('cdc.prod.shop.orders');
    expect(p.flinkSql).toContain("'topic' = 'cdc.prod.shop.orders'");
    expect(p.flinkSql).toContain("'format' = 'debezium-json'");
    expect(p.flinkSql).toContain("'properties.bootstrap.servers' = '${KAFKA_BROKERS}'");
    expect(p.flinkSql).toMatch(/`ordered_at` BIGINT NOT NULL/);
    expect(p.flinkSql).toContain('CAST(TO_TIMESTAMP_LTZ(`ordered_at`, 3) AS TIMESTAMP(3)) AS `ordered_at`');
    expect(p.tables[0]!.columns.find((c) => c.name === 'ordered_at')).toMatchObject({ flinkType: 'TIMESTAMP(3)', flinkKafkaType: 'BIGINT', clickhouseType: "DateTime64(3, 'UTC')" });
    expect(p.flinkSql).not.toContain('mysql-cdc');
  });

  it('writes a ReplacingMergeTree per table with Nullable where MySQL allows NULL', () => {
    const p = plan('select coupon_code, total from shop.orders');
    expect(p.clickhouseStatements).toEqual([
      'CREATE DATABASE IF NOT EXISTS `shop`',
      'CREATE TABLE IF NOT EXISTS `shop`.`orders` (\n  `id` Int64,\n  `total` Decimal(12, 2),\n  `coupon_code` Nullable(String),\n  `_version` UInt64 MATERIALIZED toUnixTimestamp64Nano(now64(9)),\n  `_is_deleted` UInt8 MATERIALIZED 0\n)\nENGINE = ReplacingMergeTree(`_version`, `_is_deleted`)\nORDER BY (`id`)',
    ]);
    expect(p.clickhouseSettings).toEqual({ final: 1 });
  });

  it('adds the settings the query needs', () => {
    expect(plan('select s.id, c.id from shop.customers s left join crm.customers c on c.shop_customer_id = s.id').clickhouseSettings).toMatchObject({ join_use_nulls: 1 });
    expect(plan('select sum(total) from shop.orders').clickhouseSettings).toMatchObject({ aggregate_functions_null_for_empty: 1 });
    expect(plan('select email from shop.customers union select name from crm.account_managers').clickhouseSettings).toMatchObject({ union_default_mode: 'DISTINCT' });
    expect(plan('select total + 1 as total from shop.orders where total > 5').clickhouseSettings).toMatchObject({ prefer_column_name_to_alias: 1 });
    expect(plan('select cast(total as char) from shop.orders').clickhouseSettings).toMatchObject({ cast_keep_nullable: 1 });
  });

  it('warns about MySQL-only syntax, identifier case, nullable ORDER BY and case-insensitive collations', () => {
    const failed = (p: SyncPlan) => p.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed(plan('select id from shop.orders where status = "paid"'))).toEqual(['clickhouse accepts the syntax']);
    expect(failed(plan('select ID from shop.orders'))).toEqual(['identifier case']);
    expect(failed(plan('select order_id from shop.order_items where discount between 0.06 - 0.01 and 0.06 + 0.01'))).toEqual(['clickhouse accepts the syntax']);
    expect(failed(plan('select order_id from shop.order_items where discount between 0.05 and 0.07 and quantity > 1 + 10'))).toEqual([]);
    expect(failed(plan('select id from shop.customers order by country'))).toEqual(['null ordering']);
    expect(failed(plan('select id from shop.customers order by country desc'))).toEqual([]);
    const ci: CatalogData = { servers: [{ name: 'x' }], tables: [{ server: 'x', database: 'd', table: 't', columns: [{ name: 'id', columnType: 'int(11)', dataType: 'int', nullable: false }, { name: 'name', columnType: 'varchar(10)', dataType: 'varchar', nullable: false, collation: 'utf8mb4_general_ci' }], primaryKey: ['id'] }] };
    const p = compileSyncPlan("select id from d.t where name = 'A'", { catalog: new Catalog(ci) });
    expect(failed(p)).toEqual(['string comparison']);
  });

  it('is deterministic', () => {
    const q = 'select c.full_name, count(*) from shop.customers c join shop.orders o on o.customer_id = c.id group by c.full_name';
    const a = plan(q);
    const b = plan(q);
    expect({ ...a, elapsedMs: 0 }).toEqual({ ...b, elapsedMs: 0 });
  });

  it('ClickHouse DDL + settings: replaced versions and deleted rows vanish, outer joins give NULLs', async () => {
    const p = plan('select o.id, o.total, o.coupon_code, c.email from shop.orders o left join shop.customers c on c.id = o.customer_id order by o.id');
    const dir = mkdtempSync(join(tmpdir(), 'pd-sqlgen-final-'));
    const { client } = createClickHouse({ username: 'default', password: '', database: 'default', chdbPath: dir });
    try {
      for (const s of p.clickhouseStatements ?? []) await client.command({ query: s });
      // Separate inserts make separate parts: nothing is merged yet when the query runs.
      await client.insert({ table: 'shop.orders', format: 'JSONEachRow', columns: ['id', 'customer_id', 'total', 'coupon_code', '_version', '_is_deleted'], clickhouse_settings: { insert_allow_materialized_columns: 1 }, values: [{ id: 1, customer_id: 7, total: '10.00', coupon_code: null, _version: 1, _is_deleted: 0 }] });
      await client.insert({ table: 'shop.orders', format: 'JSONEachRow', columns: ['id', 'customer_id', 'total', 'coupon_code', '_version', '_is_deleted'], clickhouse_settings: { insert_allow_materialized_columns: 1 }, values: [{ id: 1, customer_id: 7, total: '12.50', coupon_code: 'X', _version: 2, _is_deleted: 0 }] });
      await client.insert({ table: 'shop.orders', format: 'JSONEachRow', columns: ['id', 'customer_id', 'total', 'coupon_code', '_version', '_is_deleted'], clickhouse_settings: { insert_allow_materialized_columns: 1 }, values: [{ id: 2, customer_id: 8, total: '5.00', coupon_code: null, _version: 1, _is_deleted: 0 }] });
      await client.insert({ table: 'shop.orders', format: 'JSONEachRow', columns: ['id', 'customer_id', 'total', 'coupon_code', '_version', '_is_deleted'], clickhouse_settings: { insert_allow_materialized_columns: 1 }, values: [{ id: 2, customer_id: 8, total: '5.00', coupon_code: null, _version: 3, _is_deleted: 1 }] });
      await client.insert({ table: 'shop.orders', format: 'JSONEachRow', columns: ['id', 'customer_id', 'total', 'coupon_code', '_version', '_is_deleted'], clickhouse_settings: { insert_allow_materialized_columns: 1 }, values: [{ id: 3, customer_id: 99, total: '1.00', coupon_code: null, _version: 1, _is_deleted: 0 }] });
      await client.insert({ table: 'shop.customers', format: 'JSONEachRow', columns: ['id', 'email', '_version', '_is_deleted'], clickhouse_settings: { insert_allow_materialized_columns: 1 }, values: [{ id: 7, email: 'a@x', _version: 1, _is_deleted: 0 }] });
      // Int64 comes back as a number or a string depending on the engine's JSON settings.
      const run = async (settings: Record<string, string | number>) =>
        (await (await client.query({ query: p.query, format: 'JSONEachRow', clickhouse_settings: settings as Record<string, never> })).json<Record<string, unknown>>()).map((r) => ({ ...r, id: String(r.id), total: Number(r.total) }));
      expect(await run(p.clickhouseSettings)).toEqual([
        { id: '1', total: 12.5, coupon_code: 'X', email: 'a@x' },
        { id: '3', total: 1, coupon_code: null, email: null },
      ]);
      // Without the plan's settings the stale version, the deleted row and '' for NULL show up.
      const raw = await run({ final: 0, join_use_nulls: 0 });
      expect(raw.length).toBeGreaterThan(2);
      expect(raw).toContainEqual(expect.objectContaining({ id: '3', email: '' }));
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('quotes hostile names safely: the DDL runs on ClickHouse and creates exactly those names', async () => {
    const db = 'we`ird;db';
    const table = "t'; DROP TABLE x; --";
    const col = 'a`b\\c"d';
    const data: CatalogData = {
      servers: [{ name: 'evil' }],
      tables: [{ server: 'evil', database: db, table, columns: [{ name: 'id', columnType: 'int(11)', dataType: 'int', nullable: false }, { name: col, columnType: 'varchar(5)', dataType: 'varchar', nullable: true }], primaryKey: ['id'] }],
    };
    const p = compileSyncPlan('select `a``b\\c"d` from `we``ird;db`.`t\'; DROP TABLE x; --`', { catalog: new Catalog(data) });
    expect(p.tables[0]!.columns.map((c) => c.name)).toEqual(['id', col]);
    expect(p.flinkSql).toContain("'table-name' = 't''; DROP TABLE x; --'");
    expect(p.flinkSql).toContain("'database-name' = 'we`ird;db'");
    expect(p.flinkSql).toContain('`a``b\\c"d` VARCHAR(5)');
    expect(p.flinkSql).toContain('CREATE TABLE `src_we``ird;db__t\'; DROP TABLE x; --`');
    const dir = mkdtempSync(join(tmpdir(), 'pd-sqlgen-quote-'));
    const { client } = createClickHouse({ username: 'default', password: '', database: 'default', chdbPath: dir });
    try {
      for (const s of p.clickhouseStatements ?? []) await client.command({ query: s });
      const rs = await client.query({ query: 'SELECT database, table, name FROM system.columns WHERE database = {db:String} ORDER BY position', query_params: { db }, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([
        { database: db, table, name: 'id' },
        { database: db, table, name: col },
        { database: db, table, name: '_version' },
        { database: db, table, name: '_is_deleted' },
      ]);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('plans from column lists (the LLM fallback path)', () => {
  it('builds the same SQL from given columns, adding the primary key, with settings from the text', () => {
    const orders = catalog.find('shop', 'orders')[0]!;
    const p = compileFromColumns("select o.total from shop.orders o left join shop.customers c on c.id = o.customer_id where note = 'union of left join'", [{ table: orders, columns: ['TOTAL', 'customer_id'] }], { catalog });
    expect(p.tables[0]!.columns.map((c) => [c.name, c.reasons])).toEqual([['id', ['primary key']], ['customer_id', ['listed']], ['total', ['listed']]]);
    expect(p.clickhouseSettings).toEqual({ final: 1, join_use_nulls: 1 });
    expect(p.checks.map((c) => c.name)).toContain('columns listed');
  });

  it('reads features from the text, ignoring strings and comments', () => {
    const f = featuresFromText("select sum(x) from t -- left join u\nwhere s = 'a union b' union select cast(1 as char) from v");
    expect(f).toMatchObject({ aggregates: true, outerJoin: false, bareUnion: true, cast: true, correlated: false });
  });
});

describe('type mapping', () => {
  const cases: [string, boolean, string, string][] = [
    ['int(11)', false, 'INT', 'Int32'],
    ['int(10) unsigned', false, 'BIGINT', 'UInt32'],
    ['bigint(20) unsigned', false, 'DECIMAL(20, 0)', 'UInt64'],
    ['tinyint(1)', false, 'TINYINT', 'Int8'],
    ['tinyint(3) unsigned', false, 'SMALLINT', 'UInt8'],
    ['smallint(5) unsigned', false, 'INT', 'UInt16'],
    ['decimal(15,2)', true, 'DECIMAL(15, 2)', 'Nullable(Decimal(15, 2))'],
    ['decimal(65,30)', false, 'STRING', 'Decimal(65, 30)'],
    ['varchar(255)', true, 'VARCHAR(255)', 'Nullable(String)'],
    ['char(2)', false, 'CHAR(2)', 'String'],
    ['datetime(3)', false, 'TIMESTAMP(3)', "DateTime64(3, 'UTC')"],
    ['datetime', false, 'TIMESTAMP(0)', "DateTime64(0, 'UTC')"],
    ['timestamp(6)', false, 'TIMESTAMP_LTZ(6)', "DateTime64(6, 'UTC')"],
    ['date', true, 'DATE', 'Nullable(Date32)'],
    ['time', false, 'TIME(0)', 'String'],
    ["enum('a','b,c')", false, 'STRING', 'String'],
    ['longtext', false, 'STRING', 'String'],
    ['json', false, 'STRING', 'String'],
    ['blob', false, 'BYTES', 'String'],
    ['double', false, 'DOUBLE', 'Float64'],
    ['year(4)', false, 'INT', 'UInt16'],
    ['bit(1)', false, 'BOOLEAN', 'UInt8'],
  ];
  it.each(cases)('%s (nullable %s) → Flink %s, ClickHouse %s', (columnType, nullable, flink, clickhouse) => {
    const m = mapColumnType({ name: 'c', columnType, dataType: columnType.replace(/\(.*$/, ''), nullable });
    expect(m.flink).toBe(flink);
    expect(m.clickhouse).toBe(clickhouse);
  });

  it('refuses an unknown type clearly', () => {
    expect(() => mapColumnType({ name: 'g', columnType: 'geometry', dataType: 'geometry', nullable: false })).toThrow(/no type mapping for the MySQL type "geometry"/);
  });
});

describe('catalog', () => {
  it('lists every problem of an invalid catalog file', () => {
    expect(() => parseCatalog({ servers: [], tables: [{ server: 'a' }] }, 'x.json')).toThrow(CatalogError);
    expect(() => parseCatalog({ servers: [{ name: 'a' }], tables: [{ server: 'b', database: 'd', table: 't', columns: [{ name: 'id', columnType: 'int', dataType: 'int', nullable: false }], primaryKey: ['id'] }] }, 'x.json')).toThrow(/unknown server "b"/);
    expect(() => parseCatalog({ servers: [{ name: 'a' }], tables: [{ server: 'a', database: 'd', table: 't', columns: [{ name: 'id', columnType: 'int', dataType: 'int', nullable: false }], primaryKey: ['nope'] }] }, 'x.json')).toThrow(/primary key column "nope"/);
    expect(() => parseCatalog({ servers: [{ name: 'bad name' }], tables: [] }, 'x.json')).toThrow(/server name/);
  });

  it('refuses a table that two servers both hold, naming them', () => {
    const one = (server: string): CatalogData => ({ servers: [{ name: server }], tables: [{ server, database: 'd', table: 't', columns: [{ name: 'id', columnType: 'int(11)', dataType: 'int', nullable: false }], primaryKey: ['id'] }] });
    const merged = Catalog.merge([one('a'), one('b')]);
    expect(() => compileSyncPlan('select id from d.t', { catalog: merged })).toThrow(/exists on several servers \(a, b\)/);
    expect(() => Catalog.merge([one('a'), one('a')])).toThrow(/given twice/);
  });
});
