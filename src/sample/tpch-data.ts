import { Prng, cents, dayOf, isoDay } from './prng.js';

/**
 * TPC-H-like data (the specification's value sets and dbgen's rules, TPC-H 3.0.1 §4.2.3) at a
 * small, deterministic scale, with a few planted rows so that each of the 22 queries with its
 * validation parameters returns rows even at a few thousand orders: random data alone leaves
 * e.g. Q17 (Brand#23 in a MED BOX), Q19 or Q21 (a late Saudi supplier) empty at that size.
 */

export type SourceValue = string | number | null;
export type SourceRow = Record<string, SourceValue>;

export const TPCH_TABLES = ['region', 'nation', 'part', 'supplier', 'partsupp', 'customer', 'orders', 'lineitem'] as const;
export type TpchTable = (typeof TPCH_TABLES)[number];
export type TpchData = Record<TpchTable, SourceRow[]>;

export interface TpchOptions {
  /** TPC-H scale factor (1 = 1.5M orders); small values keep dbgen's ratios with floors. @default 0.002 */
  scale?: number;
  /** PRNG seed. @default 20240601 */
  seed?: number;
}

export const DEFAULT_TPCH_SCALE = 0.002;
export const DEFAULT_SEED = 20240601;

export const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'] as const;
/** [name, regionkey], in nationkey order (dbgen's fixed list). */
export const NATIONS: readonly (readonly [string, number])[] = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0], ['FRANCE', 3],
  ['GERMANY', 3], ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4], ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0],
  ['MOROCCO', 0], ['MOZAMBIQUE', 0], ['PERU', 1], ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2],
  ['RUSSIA', 3], ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];
const COLOURS = (
  'almond antique aquamarine azure beige bisque black blanched blue blush brown burlywood burnished chartreuse chiffon ' +
  'chocolate coral cornflower cornsilk cream cyan dark deep dim dodger drab firebrick floral forest frosted gainsboro ' +
  'ghost goldenrod green grey honeydew hot indian ivory khaki lace lavender lawn lemon light lime linen magenta maroon ' +
  'medium metallic midnight mint misty moccasin navajo navy olive orange orchid pale papaya peach peru pink plum powder ' +
  'puff purple red rose rosy royal saddle salmon sandy seashell sienna sky slate smoke snow spring steel tan thistle ' +
  'tomato turquoise violet wheat white yellow'
).split(' ');
const TYPE_1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
const TYPE_2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
const TYPE_3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
const CONTAINER_1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
const CONTAINER_2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'MACHINERY', 'HOUSEHOLD'];
const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const INSTRUCTIONS = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const MODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];
// dbgen's text grammar, reduced to words; 'special' and 'requests' are left out so that only the
// planted comments match Q13's '%special%requests%' filter.
const WORDS = (
  'furiously slyly carefully blithely quickly fluffily final regular ironic pending even bold silent express unusual ' +
  'foxes ideas theodolites pinto beans instructions dependencies excuses platelets asymptotes courts dolphins ' +
  'multipliers sauternes warthogs frets dinos attainments somas patterns forges braids frays warhorses dugouts ' +
  'epitaphs pearls tithes waters orbits gifts sheaves depths sentiments decoys realms pains accounts deposits packages ' +
  'sleep wake are cajole haggle nag use boost affix detect integrate maintain nod was lose sublate solve thrash promise ' +
  'engage hinder print x-ray breach eat grow impress mold poach serve run dazzle snooze doze unwind kindle play hang ' +
  'believe doubt above according across after against along among around at atop before behind beneath beside'
).split(' ');

const START_DAY = dayOf('1992-01-01');
const END_DAY = dayOf('1998-12-31');
/** dbgen's CURRENTDATE: lines shipped after it are open ('O'), received before it may be returned. */
const CURRENT_DAY = dayOf('1995-06-17');

const nationKey = (name: string): number => {
  const key = NATIONS.findIndex(([n]) => n === name);
  if (key < 0) throw new Error(`unknown nation ${name}`);
  return key;
};

/** One planted line item: what the query needs, the rest is drawn like any other line. */
interface LineSpec {
  part: number;
  /** Supplier by nation (the part's supplier of that nation); default: any of the part's suppliers. */
  supplierNation?: string;
  quantity?: number;
  /** Days after the order date. */
  ship?: number;
  commit?: number;
  receipt?: number;
  shipmode?: string;
  shipinstruct?: string;
  discount?: number;
}
interface OrderSpec {
  customer: number;
  date: string;
  lines: LineSpec[];
  comment?: string;
}

export interface TpchCounts {
  suppliers: number;
  parts: number;
  customers: number;
  orders: number;
}

/** Row counts at a scale factor: dbgen's ratios, with floors so every nation has a supplier. */
export function tpchCounts(scale: number): TpchCounts {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new Error(`TPC-H scale must be in (0, 1], got ${scale}`);
  return {
    suppliers: Math.max(25, Math.round(10_000 * scale)),
    parts: Math.max(200, Math.round(200_000 * scale)),
    customers: Math.max(150, Math.round(150_000 * scale)),
    orders: Math.max(1500, Math.round(1_500_000 * scale)),
  };
}

/** dbgen's sparse order keys: 8 used out of every 32. */
export function orderKey(index: number): number {
  return Math.floor(index / 8) * 32 + (index % 8) + 1;
}

export class TpchGenerator {
  readonly counts: TpchCounts;
  private readonly random: Prng;
  /** partkey → retail price in cents; partkey → its 4 supplier keys. */
  private readonly retail = new Map<number, number>();
  private readonly suppliersOf = new Map<number, number[]>();
  private readonly supplierNation = new Map<number, number>();
  private readonly customerNation = new Map<number, number>();

  constructor(options: TpchOptions = {}) {
    this.counts = tpchCounts(options.scale ?? DEFAULT_TPCH_SCALE);
    this.random = new Prng(options.seed ?? DEFAULT_SEED);
  }

  /** The whole data set; call once per generator. */
  generate(): TpchData {
    const region = REGIONS.map((name, key) => ({ r_regionkey: key, r_name: name, r_comment: this.text(31, 115) }));
    const nation = NATIONS.map(([name, regionkey], key) => ({ n_nationkey: key, n_name: name, n_regionkey: regionkey, n_comment: this.text(31, 114) }));
    const supplier = this.suppliers();
    const part = this.parts();
    const partsupp = this.partsupps();
    const customer = this.customers();
    const { orders, lineitem } = this.ordersAndLines(0, this.counts.orders, PLANTED_ORDERS);
    return { region, nation, part, supplier, partsupp, customer, orders, lineitem };
  }

  /**
   * `count` further orders (and their lines) after order index `fromIndex`, drawn like the others:
   * what a mutation batch inserts. Needs `generate()` first (parts, suppliers, customers).
   */
  moreOrders(fromIndex: number, count: number): { orders: SourceRow[]; lineitem: SourceRow[] } {
    if (this.retail.size === 0) throw new Error('moreOrders needs generate() first');
    return this.ordersAndLines(fromIndex, count, []);
  }

  private suppliers(): SourceRow[] {
    const rows: SourceRow[] = [];
    for (let key = 1; key <= this.counts.suppliers; key++) {
      // The first 25 go round the nations, so `supplierFor(nation)` always exists.
      const nation = key <= NATIONS.length ? key - 1 : this.random.int(0, NATIONS.length - 1);
      this.supplierNation.set(key, nation);
      // dbgen puts 'Customer … Complaints' / 'Customer … Recommends' into a few comments (Q16).
      let comment = this.text(25, 100);
      if (key % 10 === 3) comment = `${this.text(5, 30)} Customer ${this.random.pick(WORDS)} Complaints ${this.text(5, 30)}`;
      else if (key % 10 === 7) comment = `${this.text(5, 30)} Customer ${this.random.pick(WORDS)} Recommends ${this.text(5, 30)}`;
      rows.push({
        s_suppkey: key,
        s_name: `Supplier#${String(key).padStart(9, '0')}`,
        s_address: this.random.alnum(10, 40),
        s_nationkey: nation,
        s_phone: this.phone(nation),
        s_acctbal: cents(this.random.int(-99_999, 999_999)),
        s_comment: comment.slice(0, 101),
      });
    }
    return rows;
  }

  private supplierFor(nation: string): number {
    return nationKey(nation) + 1;
  }

  private parts(): SourceRow[] {
    const rows: SourceRow[] = [];
    const s = this.counts.suppliers;
    const step = Math.floor(s / 4);
    for (let key = 1; key <= this.counts.parts; key++) {
      const m = this.random.int(1, 5);
      const row: SourceRow = {
        p_partkey: key,
        p_name: this.random.sample(COLOURS, 5).join(' '),
        p_mfgr: `Manufacturer#${m}`,
        p_brand: `Brand#${m}${this.random.int(1, 5)}`,
        p_type: `${this.random.pick(TYPE_1)} ${this.random.pick(TYPE_2)} ${this.random.pick(TYPE_3)}`,
        p_size: this.random.int(1, 50),
        p_container: `${this.random.pick(CONTAINER_1)} ${this.random.pick(CONTAINER_2)}`,
        p_retailprice: '',
        p_comment: this.text(5, 22),
      };
      // Distinct because 3·⌊s/4⌋ < s.
      let suppliers = [0, 1, 2, 3].map((i) => ((key - 1 + i * step) % s) + 1);
      const plant = PLANTED_PARTS[key];
      if (plant) {
        Object.assign(row, plant.row);
        if (plant.suppliers) suppliers = plant.suppliers.map((n) => this.supplierFor(n));
      }
      // dbgen's retail price formula, in cents.
      const price = 90_000 + (Math.floor(key / 10) % 20_001) + 100 * (key % 1000);
      row.p_retailprice = cents(price);
      this.retail.set(key, price);
      this.suppliersOf.set(key, suppliers);
      rows.push(row);
    }
    return rows;
  }

  private partsupps(): SourceRow[] {
    const rows: SourceRow[] = [];
    for (let part = 1; part <= this.counts.parts; part++) {
      for (const supplier of this.suppliersOf.get(part)!) {
        rows.push({
          ps_partkey: part,
          ps_suppkey: supplier,
          // Q20's planted Canadian supplier has plenty in stock (availqty > half of 1994's shipments).
          ps_availqty: part === PART.Q20 ? 9000 : this.random.int(1, 9999),
          ps_supplycost: cents(this.random.int(100, 100_000)),
          ps_comment: this.text(49, 198),
        });
      }
    }
    return rows;
  }

  private customers(): SourceRow[] {
    const rows: SourceRow[] = [];
    for (let key = 1; key <= this.counts.customers; key++) {
      const planted = PLANTED_CUSTOMER_NATIONS[key];
      const nation = planted ? nationKey(planted) : this.random.int(0, NATIONS.length - 1);
      this.customerNation.set(key, nation);
      rows.push({
        c_custkey: key,
        c_name: `Customer#${String(key).padStart(9, '0')}`,
        c_address: this.random.alnum(10, 40),
        c_nationkey: nation,
        c_phone: this.phone(nation),
        c_acctbal: cents(this.random.int(-99_999, 999_999)),
        c_mktsegment: this.random.pick(SEGMENTS),
        c_comment: this.text(29, 116),
      });
    }
    return rows;
  }

  private ordersAndLines(fromIndex: number, count: number, planted: readonly OrderSpec[]): { orders: SourceRow[]; lineitem: SourceRow[] } {
    const orders: SourceRow[] = [];
    const lineitem: SourceRow[] = [];
    const clerks = Math.max(10, Math.round(this.counts.orders / 1500));
    for (let index = fromIndex; index < fromIndex + count; index++) {
      const key = orderKey(index);
      const spec = planted[index - fromIndex] ?? this.randomOrder();
      const date = dayOf(spec.date);
      const lines = spec.lines.map((line, i) => this.line(key, i + 1, date, line));
      let total = 0;
      for (const line of lines) total += line.netCents;
      const statuses = new Set(lines.map((l) => l.row.l_linestatus));
      orders.push({
        o_orderkey: key,
        o_custkey: spec.customer,
        o_orderstatus: statuses.size > 1 ? 'P' : statuses.has('F') ? 'F' : 'O',
        o_totalprice: cents(total),
        o_orderdate: isoDay(date),
        o_orderpriority: this.random.pick(PRIORITIES),
        o_clerk: `Clerk#${String(this.random.int(1, clerks)).padStart(9, '0')}`,
        o_shippriority: 0,
        o_comment: (spec.comment ?? (this.random.chance(0.02) ? `${this.text(3, 25)} special ${this.random.pick(WORDS)} requests ${this.text(3, 25)}` : this.text(19, 78))).slice(0, 79),
      });
      for (const line of lines) lineitem.push(line.row);
    }
    return { orders, lineitem };
  }

  private randomOrder(): OrderSpec {
    // dbgen: a third of the customers (custkey divisible by 3) never order (Q13, Q22 need them).
    let customer = this.random.int(1, this.counts.customers);
    while (customer % 3 === 0) customer = this.random.int(1, this.counts.customers);
    const date = this.random.int(START_DAY, END_DAY - 151);
    const lines: LineSpec[] = [];
    const n = this.random.int(1, 7);
    for (let i = 0; i < n; i++) lines.push({ part: this.random.int(1, this.counts.parts) });
    return { customer, date: isoDay(date), lines };
  }

  private line(order: number, number: number, orderDay: number, spec: LineSpec): { row: SourceRow; netCents: number } {
    const r = this.random;
    const suppliers = this.suppliersOf.get(spec.part);
    if (!suppliers) throw new Error(`planted line refers to part ${spec.part}, which is beyond the ${this.counts.parts} parts`);
    const supplier = spec.supplierNation ? this.supplierFor(spec.supplierNation) : r.pick(suppliers);
    if (!suppliers.includes(supplier)) throw new Error(`part ${spec.part} has no supplier in ${spec.supplierNation}`);
    const quantity = spec.quantity ?? r.int(1, 50);
    const discount = spec.discount ?? r.int(0, 10);
    const tax = r.int(0, 8);
    const ship = orderDay + (spec.ship ?? r.int(1, 121));
    const commit = orderDay + (spec.commit ?? r.int(30, 90));
    const receipt = spec.receipt !== undefined ? orderDay + spec.receipt : ship + r.int(1, 30);
    const extended = quantity * this.retail.get(spec.part)!;
    const row: SourceRow = {
      l_orderkey: order,
      l_partkey: spec.part,
      l_suppkey: supplier,
      l_linenumber: number,
      l_quantity: cents(quantity * 100),
      l_extendedprice: cents(extended),
      l_discount: cents(discount),
      l_tax: cents(tax),
      l_returnflag: receipt <= CURRENT_DAY ? r.pick(['R', 'A']) : 'N',
      l_linestatus: ship > CURRENT_DAY ? 'O' : 'F',
      l_shipdate: isoDay(ship),
      l_commitdate: isoDay(commit),
      l_receiptdate: isoDay(receipt),
      l_shipinstruct: spec.shipinstruct ?? r.pick(INSTRUCTIONS),
      l_shipmode: spec.shipmode ?? r.pick(MODES),
      l_comment: this.text(10, 43),
    };
    return { row, netCents: Math.round((extended * (100 + tax) * (100 - discount)) / 10_000) };
  }

  /** dbgen's phone format: country code = nationkey + 10 (Q22 selects by it). */
  private phone(nation: number): string {
    const r = this.random;
    return `${nation + 10}-${r.int(100, 999)}-${r.int(100, 999)}-${r.int(1000, 9999)}`;
  }

  /** Words from the grammar's vocabulary, `min`..`max` characters. */
  private text(min: number, max: number): string {
    const target = this.random.int(min, max);
    let s = this.random.pick(WORDS);
    while (s.length < target) s += ` ${this.random.pick(WORDS)}`;
    return s.length <= max ? s : s.slice(0, max).trimEnd();
  }
}

/** Planted part keys (the first few parts), by the query that needs them. */
export const PART = { Q2: 1, Q8: 2, Q9: 3, Q20: 4, Q17: 5, Q19: 6, Q21: 7, Q5: 8 } as const;

const PLANTED_PARTS: Record<number, { row: Partial<SourceRow>; suppliers?: string[] }> = {
  [PART.Q2]: { row: { p_size: 15, p_type: 'LARGE BRUSHED BRASS' }, suppliers: ['GERMANY', 'FRANCE', 'UNITED KINGDOM', 'CHINA'] },
  [PART.Q8]: { row: { p_type: 'ECONOMY ANODIZED STEEL' }, suppliers: ['BRAZIL', 'UNITED STATES', 'JAPAN', 'KENYA'] },
  [PART.Q9]: { row: { p_name: 'lace green olive misty snow' } },
  [PART.Q20]: { row: { p_name: 'forest tan coral moccasin drab' }, suppliers: ['CANADA', 'PERU', 'INDIA', 'ROMANIA'] },
  [PART.Q17]: { row: { p_brand: 'Brand#23', p_container: 'MED BOX' } },
  [PART.Q19]: { row: { p_brand: 'Brand#12', p_container: 'SM CASE', p_size: 3 } },
  [PART.Q21]: { row: {}, suppliers: ['SAUDI ARABIA', 'EGYPT', 'IRAN', 'IRAQ'] },
  [PART.Q5]: { row: {}, suppliers: ['JAPAN', 'CHINA', 'INDIA', 'VIETNAM'] },
};

/** Customers whose nation a planted order needs (keys not divisible by 3: they order). */
const PLANTED_CUSTOMER_NATIONS: Record<number, string> = { 1: 'GERMANY', 2: 'JAPAN', 4: 'BRAZIL', 5: 'FRANCE' };

/** The first orders: each makes one query's result non-empty whatever the random draws. */
const PLANTED_ORDERS: readonly OrderSpec[] = [
  // Q7: shipped 1995 from a French supplier to a German customer (and back, order 5).
  { customer: 1, date: '1995-03-10', lines: [{ part: PART.Q2, supplierNation: 'FRANCE' }, { part: PART.Q2, supplierNation: 'GERMANY' }] },
  { customer: 5, date: '1996-02-10', lines: [{ part: PART.Q2, supplierNation: 'GERMANY' }] },
  // Q5: an Asian customer buying from a supplier of the same nation in 1994.
  { customer: 2, date: '1994-05-01', lines: [{ part: PART.Q5, supplierNation: 'JAPAN' }, { part: PART.Q5, supplierNation: 'CHINA' }] },
  // Q8: ECONOMY ANODIZED STEEL to an American customer in 1995, from Brazil and the US.
  { customer: 4, date: '1995-08-01', lines: [{ part: PART.Q8, supplierNation: 'BRAZIL' }, { part: PART.Q8, supplierNation: 'UNITED STATES' }] },
  // Q20: a forest part shipped in 1994 by the Canadian supplier, in small quantity.
  { customer: 7, date: '1994-03-01', lines: [{ part: PART.Q20, supplierNation: 'CANADA', quantity: 10, ship: 20 }] },
  // Q17: Brand#23 MED BOX lines, one far below a fifth of the average quantity.
  { customer: 8, date: '1996-07-01', lines: [{ part: PART.Q17, quantity: 45 }, { part: PART.Q17, quantity: 48 }, { part: PART.Q17, quantity: 50 }, { part: PART.Q17, quantity: 1 }] },
  // Q19: Brand#12, SM CASE, size 3, quantity 5, by air, delivered in person.
  { customer: 10, date: '1995-01-15', lines: [{ part: PART.Q19, quantity: 5, shipmode: 'AIR', shipinstruct: 'DELIVER IN PERSON' }] },
  // Q21: a finished order with a late Saudi supplier and an on-time second supplier.
  { customer: 11, date: '1994-01-10', lines: [{ part: PART.Q21, supplierNation: 'SAUDI ARABIA', ship: 10, commit: 30, receipt: 40 }, { part: PART.Q21, supplierNation: 'EGYPT', ship: 5, commit: 60, receipt: 10 }] },
  // Q18: large-quantity orders, 7 lines of 44..50 each (sum > 300).
  ...[13, 14, 16].map((customer, i) => ({
    customer,
    date: `199${3 + i}-0${4 + i}-11`,
    lines: [44, 45, 46, 47, 48, 49, 50].map((quantity, j) => ({ part: 10 + i * 7 + j, quantity })),
  })),
  // Q9: a line of a 'green' part.
  { customer: 17, date: '1997-09-09', lines: [{ part: PART.Q9, quantity: 12 }] },
];
