import { Prng, cents, dayOf, isoDay } from './prng.js';
import type { SourceRow } from './tpch-data.js';

/**
 * Data for the two operational databases of the golden schema (test/golden/sql/schema/shop.sql,
 * crm.sql): a shop and a CRM that share the table name `customers` and point into each other.
 * Made to exercise what TPC-H does not: NULLs in every nullable column, rows without partners on
 * both sides of each cross-database link (prospects, customers who never ordered, tickets of a
 * deleted order, a manager nobody is assigned to), 64-bit ids, DATETIME(3), enums, booleans.
 */

export const OPERATIONAL_TABLES = {
  shop: ['customers', 'products', 'orders', 'order_items'],
  crm: ['account_managers', 'customers', 'tickets'],
} as const;

export type OperationalData = { shop: Record<'customers' | 'products' | 'orders' | 'order_items', SourceRow[]>; crm: Record<'account_managers' | 'customers' | 'tickets', SourceRow[]> };

export interface OperationalCounts {
  shopCustomers: number;
  products: number;
  orders: number;
  crmCustomers: number;
  tickets: number;
}

/** Counts at a TPC-H scale factor (0.002 → 200 shop customers, 800 orders). */
export function operationalCounts(scale: number): OperationalCounts {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new Error(`scale must be in (0, 1], got ${scale}`);
  const customers = Math.max(100, Math.round(100_000 * scale));
  return { shopCustomers: customers, products: Math.max(40, Math.round(customers / 3)), orders: customers * 4, crmCustomers: Math.round(customers * 1.25), tickets: customers * 3 };
}

/** Ticket ids start above 2^32: a 64-bit key must survive every hop (JSON, Flink, ClickHouse). */
export const TICKET_ID_BASE = 10_000_000_000;

const FIRST = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Eva', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena', 'Mei', 'Nils', 'Olga', 'Pablo', 'Quinn', 'Rosa', 'Sven', 'Tara'];
const LAST = ['Achebe', 'Brandt', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Lindqvist', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Weber'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR', 'IN', 'CA'];
const CATEGORIES = ['books', 'electronics', 'garden', 'toys'];
const ADJECTIVES = ['Compact', 'Deluxe', 'Eco', 'Classic', 'Smart', 'Mini', 'Pro', 'Vintage'];
const NOUNS: Record<string, string[]> = {
  books: ['Atlas', 'Cookbook', 'Novel', 'Field Guide'],
  electronics: ['Headphones', 'Charger', 'Speaker', 'Camera'],
  garden: ['Hose', 'Planter', 'Shears', 'Lantern'],
  toys: ['Puzzle', 'Kite', 'Robot', 'Train Set'],
};
const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'cancelled', 'refunded'];
const COUPONS = ['WELCOME5', 'SPRING10', 'VIP20'];
const SEGMENTS = ['smb', 'mid', 'enterprise'];
const REGIONS = ['EMEA', 'AMER', 'APAC'];
const TICKET_STATUSES = ['open', 'pending', 'solved', 'closed'];
const SUBJECTS = ['Order arrived damaged', 'Refund not received', 'Cannot log in', 'Invoice address wrong', 'Item missing from parcel', 'Question about warranty', 'Delivery late'];
const COMPANIES = ['Acme GmbH', 'Globex Ltd', 'Initech', 'Umbrella SA', 'Hooli', 'Vandelay Industries', 'Stark & Co', 'Wayne Enterprises'];

const FROM_DAY = dayOf('2021-01-01');
const TO_DAY = dayOf('2024-12-31');

export class OperationalGenerator {
  readonly counts: OperationalCounts;
  private readonly random: Prng;

  constructor(options: { scale: number; seed: number }) {
    this.counts = operationalCounts(options.scale);
    // Its own stream: changing the TPC-H generator never changes these rows.
    this.random = new Prng((options.seed ^ 0x5eed0) >>> 0);
  }

  generate(): OperationalData {
    const r = this.random;
    const c = this.counts;

    const shopCustomers: SourceRow[] = [];
    for (let id = 1; id <= c.shopCustomers; id++) {
      const first = r.pick(FIRST);
      const last = r.pick(LAST);
      shopCustomers.push({
        id,
        email: `${first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${id}@example.${r.pick(['com', 'org', 'net'])}`,
        full_name: `${first} ${last}`,
        country: r.chance(0.1) ? null : r.pick(COUNTRIES),
        birth_date: r.chance(0.15) ? null : isoDay(r.int(dayOf('1950-01-01'), dayOf('2005-12-31'))),
        is_active: r.chance(0.85) ? 1 : 0,
        created_at: this.datetime(FROM_DAY - 365, TO_DAY - 400),
      });
    }

    const products: SourceRow[] = [];
    const prices = new Map<number, number>();
    for (let id = 1; id <= c.products; id++) {
      const category = r.pick(CATEGORIES);
      const price = r.int(199, 49_999);
      prices.set(id, price);
      products.push({
        id,
        sku: `SKU-${String(id).padStart(6, '0')}`,
        name: `${r.pick(ADJECTIVES)} ${r.pick(NOUNS[category]!)}`,
        category,
        price: cents(price),
        weight_grams: r.chance(0.1) ? null : r.int(20, 25_000),
        discontinued: r.chance(0.1) ? 1 : 0,
        description: r.chance(0.3) ? null : `${r.pick(ADJECTIVES)} ${category} item, ${r.pick(['handmade', 'imported', 'refurbished', 'new'])}`,
      });
    }

    const orders: SourceRow[] = [];
    const items: SourceRow[] = [];
    // A tenth of the shop's customers never order; 2 % of orders belong to a customer id that no
    // longer exists (a deleted account): both sides of a LEFT JOIN get unmatched rows.
    const buyers = Math.floor(c.shopCustomers * 0.9);
    for (let id = 1; id <= c.orders; id++) {
      const customer = r.chance(0.02) ? c.shopCustomers + r.int(1, 50) : r.int(1, buyers);
      const status = r.pick(ORDER_STATUSES);
      const orderedDay = r.int(FROM_DAY, TO_DAY);
      const ordered = this.datetimeOn(orderedDay);
      const shipped = status === 'shipped' || status === 'refunded' ? this.datetimeOn(orderedDay + r.int(1, 10)) : null;
      // 3 % of orders have no lines (abandoned checkouts); 1 % of lines name a deleted product.
      const lines = r.chance(0.03) ? 0 : r.int(1, 5);
      let total = 0;
      for (let line = 1; line <= lines; line++) {
        const product = r.chance(0.01) ? c.products + r.int(1, 20) : r.int(1, c.products);
        const quantity = r.int(1, 10);
        const unit = prices.get(product) ?? r.int(199, 9_999);
        const discount = r.chance(0.6) ? null : r.pick([50, 100, 250]);
        total += Math.round((quantity * unit * (1000 - (discount ?? 0))) / 1000);
        items.push({ order_id: id, line_no: line, product_id: product, quantity, unit_price: cents(unit), discount: discount === null ? null : `0.${String(discount).padStart(3, '0')}` });
      }
      orders.push({ id, customer_id: customer, status, ordered_at: ordered, shipped_at: shipped, total: cents(total), coupon_code: r.chance(0.8) ? null : r.pick(COUPONS) });
    }

    const managers: SourceRow[] = [];
    const managerCount = 8;
    for (let id = 1; id <= managerCount; id++) {
      managers.push({ id, name: `${r.pick(FIRST)} ${r.pick(LAST)}`, region: REGIONS[(id - 1) % REGIONS.length]!, hired_on: isoDay(r.int(dayOf('2015-01-01'), dayOf('2023-06-30'))) });
    }

    const crmCustomers: SourceRow[] = [];
    for (let id = 1; id <= c.crmCustomers; id++) {
      // ~70 % are shop customers, ~25 % prospects (NULL), ~5 % point at a shop id that does not exist.
      const roll = r.next();
      const shopId = roll < 0.7 ? r.int(1, c.shopCustomers) : roll < 0.95 ? null : c.shopCustomers + r.int(100, 200);
      // Manager 8 gets nobody (a RIGHT/LEFT JOIN from managers finds an unmatched row); 15 % unassigned; 3 % a departed manager id.
      const managerRoll = r.next();
      const manager = managerRoll < 0.15 ? null : managerRoll < 0.18 ? 99 : r.int(1, managerCount - 1);
      crmCustomers.push({
        id,
        shop_customer_id: shopId,
        company: r.chance(0.2) ? null : r.pick(COMPANIES),
        segment: r.pick(SEGMENTS),
        account_manager_id: manager,
        lifetime_value: r.chance(0.2) ? null : cents(r.int(0, 5_000_000)),
        updated_at: this.datetime(FROM_DAY, TO_DAY),
      });
    }

    const tickets: SourceRow[] = [];
    for (let n = 1; n <= c.tickets; n++) {
      const status = r.pick(TICKET_STATUSES);
      const openedDay = r.int(FROM_DAY, TO_DAY);
      const closed = status === 'solved' || status === 'closed' ? this.datetimeOn(openedDay + r.int(0, 20)) : null;
      // 40 % name no order; 3 % an order id the shop does not have.
      const orderRoll = r.next();
      const order = orderRoll < 0.4 ? null : orderRoll < 0.43 ? c.orders + r.int(1, 100) : r.int(1, c.orders);
      tickets.push({
        id: TICKET_ID_BASE + n * 7,
        customer_id: r.chance(0.02) ? c.crmCustomers + r.int(1, 30) : r.int(1, c.crmCustomers),
        order_id: order,
        priority: r.int(1, 4),
        status,
        opened_at: this.datetimeOn(openedDay),
        closed_at: closed,
        subject: r.pick(SUBJECTS),
        body: r.chance(0.3) ? null : `Customer wrote: ${r.pick(SUBJECTS).toLowerCase()}; ${r.pick(['please advise', 'urgent', 'second request', 'thanks'])}.`,
        satisfaction: closed === null || r.chance(0.5) ? null : r.int(1, 5),
      });
    }

    return {
      shop: { customers: shopCustomers, products, orders, order_items: items },
      crm: { account_managers: managers, customers: crmCustomers, tickets },
    };
  }

  /** `YYYY-MM-DD HH:MM:SS.mmm` on a random day in [from, to]. */
  datetime(fromDay: number, toDay: number): string {
    return this.datetimeOn(this.random.int(fromDay, toDay));
  }

  datetimeOn(day: number): string {
    const r = this.random;
    const two = (n: number) => String(n).padStart(2, '0');
    return `${isoDay(day)} ${two(r.int(0, 23))}:${two(r.int(0, 59))}:${two(r.int(0, 59))}.${String(r.int(0, 999)).padStart(3, '0')}`;
  }
}
