import { describe, expect, it } from 'vitest';
import { parseChangeEvent } from '../../../../src/cdc/debezium-envelope.js';
import { PermanentError } from '../../../../src/core/errors.js';
import type { PlannedTable } from '../../../../src/stages/sqlgen/plan.js';
import { changeToRows } from '../../../../src/stages/sync/change-rows.js';
import { splitStatements } from '../../../../src/adapters/clickhouse/clickhouse.js';
import { quoteClickHouseIdentifier, syncInputName } from '../../../../src/stages/sync/sync-stage.js';

const column = (name: string, mysqlType: string, nullable = false) => ({ name, mysqlType, flinkType: '', clickhouseType: '', nullable, reasons: [] });
const orders: PlannedTable = {
  server: 'main',
  database: 'shop',
  table: 'orders',
  columns: [
    column('id', 'int(11)'),
    column('amount', 'decimal(12,2)'),
    column('placed_at', 'datetime(3)'),
    column('ship_date', 'date', true),
    column('paid', 'tinyint(1)'),
    column('note', 'varchar(200)', true),
    column('pickup', 'time', true),
    column('updated', 'timestamp', true),
  ],
  primaryKey: ['id'],
  cdcTopic: 'cdc.local.shop.orders',
  clickhouse: { database: 'shop', table: 'orders' },
};

// What the stack's Debezium connector emits (decimal.handling.mode=string, time.precision.mode=connect).
const image = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  amount: '1234.50',
  placed_at: Date.UTC(2024, 4, 1, 10, 30, 15, 123),
  ship_date: Date.UTC(2024, 4, 3) / 86_400_000, // days since the epoch
  paid: 1,
  note: 'fragile; "handle" with care',
  pickup: 13 * 3_600_000 + 5 * 60_000 + 7_000,
  updated: '2024-05-01T10:30:15.500Z',
  customer_email: 'not planned',
  ...extra,
});
const event = (op: string, before: unknown, after: unknown) => parseChangeEvent({ op, before, after, source: {}, ts_ms: 1 });

describe('changeToRows', () => {
  it('maps an insert to the planned columns in ClickHouse text forms, live at the given version', () => {
    expect(changeToRows(event('c', null, image(7)), orders, 42)).toEqual([
      {
        id: 7,
        amount: '1234.50',
        placed_at: '2024-05-01 10:30:15.123',
        ship_date: '2024-05-03',
        paid: 1,
        note: 'fragile; "handle" with care',
        pickup: '13:05:07',
        updated: '2024-05-01 10:30:15.500',
        _version: 42,
        _is_deleted: 0,
      },
    ]);
  });

  it('keeps only planned columns and passes NULLs of nullable ones', () => {
    const [row] = changeToRows(event('r', null, image(1, { note: null, ship_date: null })), orders, 1);
    expect(row).not.toHaveProperty('customer_email');
    expect(row).toMatchObject({ note: null, ship_date: null, _is_deleted: 0 });
  });

  it('marks a delete with the before image', () => {
    expect(changeToRows(event('d', image(7), null), orders, 50)).toEqual([expect.objectContaining({ id: 7, _version: 50, _is_deleted: 1 })]);
  });

  it('deletes the old key and writes the new one when an update changes the primary key', () => {
    const rows = changeToRows(event('u', image(7), image(8)), orders, 60);
    expect(rows.map((r) => [r.id, r._is_deleted])).toEqual([
      [7, 1],
      [8, 0],
    ]);
  });

  it('an update that keeps the key is one live row', () => {
    expect(changeToRows(event('u', image(7), image(7, { amount: '1.00' })), orders, 61)).toEqual([expect.objectContaining({ id: 7, amount: '1.00', _is_deleted: 0 })]);
  });

  it('refuses NULL in a NOT NULL column, a missing planned column, a wrong encoding and truncates, as permanent errors', () => {
    expect(() => changeToRows(event('c', null, image(1, { amount: null })), orders, 1)).toThrow(PermanentError);
    const { note: _drop, ...withoutNote } = image(1);
    expect(() => changeToRows(event('c', null, withoutNote), orders, 1)).toThrow(/no column note/);
    expect(() => changeToRows(event('c', null, image(1, { ship_date: '2024-05-03' })), orders, 1)).toThrow(/unexpected value/);
    expect(() => changeToRows(parseChangeEvent({ op: 't', before: null, after: null, source: {} }), orders, 1)).toThrow(/truncate/);
  });
});

describe('sync naming and DDL splitting', () => {
  it('quotes hostile identifiers so they cannot end the name', () => {
    expect(quoteClickHouseIdentifier('a`; DROP TABLE x; --')).toBe('`a\\`; DROP TABLE x; --`');
  });

  it('derives catalog-safe input names, apart for names that differ only in case', () => {
    expect(syncInputName({ database: 'tpch', table: 'lineitem' })).toBe('sync.tpch.lineitem');
    expect(syncInputName({ database: 'Shop', table: 'Order_Items' })).not.toBe(syncInputName({ database: 'shop', table: 'order-items' }));
    expect(syncInputName({ database: 'Shop', table: 'Order_Items' })).toMatch(/^[a-z0-9.-]+$/);
  });

  it('splits DDL at statement ends, skipping comments', () => {
    expect(splitStatements('-- tables\nCREATE DATABASE IF NOT EXISTS a;\nCREATE TABLE a.t (x UInt8)\nENGINE = Memory;\n')).toEqual(['CREATE DATABASE IF NOT EXISTS a', 'CREATE TABLE a.t (x UInt8)\nENGINE = Memory']);
  });
});
