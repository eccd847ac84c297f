import { describe, expect, it } from 'vitest';
import { OperationalGenerator, TICKET_ID_BASE } from '../../../src/sample/operational-data.js';
import { cents, dayOf, isoDay } from '../../../src/sample/prng.js';
import { splitSqlStatements } from '../../../src/sample/sql-script.js';
import { generateSourceData } from '../../../src/sample/source-data.js';
import { PART, TpchGenerator, orderKey, tpchCounts, type SourceRow } from '../../../src/sample/tpch-data.js';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons only, dropping comments', () => {
    const sql = `-- a comment; not a statement
CREATE DATABASE x; # another; comment
CREATE TABLE x.t (a VARCHAR(5) DEFAULT 'a;b', b INT COMMENT "it's; fine", \`c;d\` INT) /* c; */ ;
INSERT INTO x.t VALUES ('it''s; ok', 1, 2)`;
    expect(splitSqlStatements(sql)).toEqual([
      'CREATE DATABASE x',
      "CREATE TABLE x.t (a VARCHAR(5) DEFAULT 'a;b', b INT COMMENT \"it's; fine\", `c;d` INT)",
      "INSERT INTO x.t VALUES ('it''s; ok', 1, 2)",
    ]);
  });

  it('reports an unterminated quote instead of guessing', () => {
    expect(() => splitSqlStatements("SELECT 'open; SELECT 1")).toThrow(/unterminated ' quote/);
  });
});

describe('money and dates', () => {
  it('formats cents exactly and round-trips days', () => {
    expect(cents(12345)).toBe('123.45');
    expect(cents(-5)).toBe('-0.05');
    expect(isoDay(dayOf('1995-06-17'))).toBe('1995-06-17');
    expect(dayOf('1992-01-02') - dayOf('1992-01-01')).toBe(1);
  });
});

describe('TpchGenerator', () => {
  const data = new TpchGenerator().generate();
  const byKey = <T extends string>(rows: SourceRow[], key: T) => new Map(rows.map((r) => [r[key], r]));

  it('is deterministic for a seed and differs for another', () => {
    expect(new TpchGenerator().generate().lineitem.slice(0, 50)).toEqual(data.lineitem.slice(0, 50));
    expect(new TpchGenerator({ seed: 7 }).generate().lineitem.slice(0, 50)).not.toEqual(data.lineitem.slice(0, 50));
  });

  it('has the default scale\'s row counts and dbgen\'s sparse order keys', () => {
    const counts = tpchCounts(0.002);
    expect(data.orders).toHaveLength(counts.orders);
    expect(data.part).toHaveLength(counts.parts);
    expect(data.partsupp).toHaveLength(counts.parts * 4);
    expect(data.nation).toHaveLength(25);
    expect(data.lineitem.length).toBeGreaterThan(counts.orders * 3);
    expect(data.orders.map((o) => o.o_orderkey).slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 33, 34]);
    expect(orderKey(8)).toBe(33);
    expect(() => tpchCounts(0)).toThrow(/scale/);
  });

  it('keeps keys unique and references valid', () => {
    const ps = new Set(data.partsupp.map((r) => `${r.ps_partkey}:${r.ps_suppkey}`));
    expect(ps.size).toBe(data.partsupp.length);
    const lines = new Set(data.lineitem.map((r) => `${r.l_orderkey}:${r.l_linenumber}`));
    expect(lines.size).toBe(data.lineitem.length);
    const orders = byKey(data.orders, 'o_orderkey');
    for (const l of data.lineitem) {
      expect(ps.has(`${l.l_partkey}:${l.l_suppkey}`)).toBe(true);
      expect(orders.has(l.l_orderkey)).toBe(true);
    }
    // dbgen: customers whose key is divisible by 3 never order (Q13 and Q22 rely on it).
    expect(data.orders.some((o) => Number(o.o_custkey) % 3 === 0)).toBe(false);
  });

  it('derives order status and total price from the lines', () => {
    const linesOf = new Map<unknown, SourceRow[]>();
    for (const l of data.lineitem) linesOf.set(l.l_orderkey, [...(linesOf.get(l.l_orderkey) ?? []), l]);
    for (const o of data.orders.slice(0, 300)) {
      const lines = linesOf.get(o.o_orderkey)!;
      const statuses = new Set(lines.map((l) => l.l_linestatus));
      expect(o.o_orderstatus).toBe(statuses.size > 1 ? 'P' : statuses.has('F') ? 'F' : 'O');
      const total = lines.reduce((sum, l) => {
        const ext = Math.round(Number(l.l_extendedprice) * 100);
        return sum + Math.round((ext * (100 + Math.round(Number(l.l_tax) * 100)) * (100 - Math.round(Number(l.l_discount) * 100))) / 10_000);
      }, 0);
      expect(o.o_totalprice).toBe(cents(total));
      for (const l of lines) expect(l.l_shipdate! > o.o_orderdate! && l.l_receiptdate! > l.l_shipdate!).toBe(true);
    }
  });

  it('plants what the sparse queries need', () => {
    const parts = byKey(data.part, 'p_partkey');
    expect(parts.get(PART.Q17)).toMatchObject({ p_brand: 'Brand#23', p_container: 'MED BOX' });
    expect(parts.get(PART.Q2)).toMatchObject({ p_size: 15, p_type: 'LARGE BRUSHED BRASS' });
    expect(String(parts.get(PART.Q20)!.p_name)).toMatch(/^forest /);
    // Q18: orders whose quantities add up to more than 300.
    const qty = new Map<unknown, number>();
    for (const l of data.lineitem) qty.set(l.l_orderkey, (qty.get(l.l_orderkey) ?? 0) + Number(l.l_quantity));
    expect([...qty.values()].filter((q) => q > 300).length).toBeGreaterThanOrEqual(3);
    // Q21: a Saudi supplier's late line in a finished order.
    const saudi = data.supplier.find((s) => s.s_nationkey === 20)!.s_suppkey;
    const orders = byKey(data.orders, 'o_orderkey');
    expect(data.lineitem.some((l) => l.l_suppkey === saudi && l.l_receiptdate! > l.l_commitdate! && orders.get(l.l_orderkey)!.o_orderstatus === 'F')).toBe(true);
    // Q13/Q16 patterns appear, but not everywhere.
    const special = data.orders.filter((o) => /special.*requests/.test(String(o.o_comment))).length;
    expect(special).toBeGreaterThan(0);
    expect(special).toBeLessThan(data.orders.length / 10);
    expect(data.supplier.some((s) => /Customer.*Complaints/.test(String(s.s_comment)))).toBe(true);
  });

  it('keeps text within the TPC-H column sizes', () => {
    const max: Record<string, number> = { o_comment: 79, l_comment: 44, p_comment: 23, s_comment: 101, c_comment: 117, ps_comment: 199, p_name: 55, s_address: 40, c_address: 40 };
    for (const rows of Object.values(data)) for (const row of rows) for (const [col, n] of Object.entries(max)) if (col in row) expect(String(row[col]).length).toBeLessThanOrEqual(n);
  });

  it('draws more orders like the others after generate()', () => {
    const gen = new TpchGenerator();
    expect(() => gen.moreOrders(0, 1)).toThrow(/generate/);
    gen.generate();
    const more = gen.moreOrders(gen.counts.orders, 3);
    expect(more.orders).toHaveLength(3);
    expect(Number(more.orders[0]!.o_orderkey)).toBeGreaterThan(Number(data.orders.at(-1)!.o_orderkey));
  });
});

describe('OperationalGenerator', () => {
  const data = new OperationalGenerator({ scale: 0.002, seed: 1 }).generate();

  it('puts NULLs in every nullable column', () => {
    const nullable: [Record<string, unknown>[], string][] = [
      [data.shop.customers, 'country'], [data.shop.customers, 'birth_date'], [data.shop.products, 'weight_grams'], [data.shop.products, 'description'],
      [data.shop.orders, 'shipped_at'], [data.shop.orders, 'coupon_code'], [data.shop.order_items, 'discount'],
      [data.crm.customers, 'shop_customer_id'], [data.crm.customers, 'company'], [data.crm.customers, 'account_manager_id'], [data.crm.customers, 'lifetime_value'],
      [data.crm.tickets, 'order_id'], [data.crm.tickets, 'closed_at'], [data.crm.tickets, 'body'], [data.crm.tickets, 'satisfaction'],
    ];
    for (const [rows, column] of nullable) {
      const nulls = rows.filter((r) => r[column] === null).length;
      expect(nulls, column).toBeGreaterThan(0);
      expect(nulls, column).toBeLessThan(rows.length);
    }
  });

  it('leaves rows without partners on both sides of the cross-database links', () => {
    const shopIds = new Set(data.shop.customers.map((c) => c.id));
    const linked: unknown[] = data.crm.customers.map((c) => c.shop_customer_id).filter((id) => id !== null);
    expect(linked.some((id) => !shopIds.has(id as number))).toBe(true); // dangling
    expect(data.shop.customers.some((c) => !linked.includes(c.id))).toBe(true); // never in the CRM
    const orderIds = new Set(data.shop.orders.map((o) => o.id));
    expect(data.crm.tickets.some((t) => t.order_id !== null && !orderIds.has(t.order_id))).toBe(true);
    expect(data.shop.orders.some((o) => !shopIds.has(o.customer_id))).toBe(true);
    const managed = new Set(data.crm.customers.map((c) => c.account_manager_id));
    expect(data.crm.account_managers.some((m) => !managed.has(m.id))).toBe(true);
  });

  it('uses 64-bit ticket ids and DATETIME(3) values', () => {
    expect(Number(data.crm.tickets[0]!.id)).toBeGreaterThan(2 ** 32);
    expect(Number(data.crm.tickets[0]!.id)).toBeGreaterThanOrEqual(TICKET_ID_BASE);
    expect(String(data.shop.orders[0]!.ordered_at)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  });
});

describe('generateSourceData', () => {
  it('covers the golden schema\'s tables', () => {
    const keys = [...generateSourceData(0.002, 1).keys()].sort();
    expect(keys).toEqual(['crm.account_managers', 'crm.customers', 'crm.tickets', 'shop.customers', 'shop.order_items', 'shop.orders', 'shop.products',
      'tpch.customer', 'tpch.lineitem', 'tpch.nation', 'tpch.orders', 'tpch.part', 'tpch.partsupp', 'tpch.region', 'tpch.supplier']);
  });
});
