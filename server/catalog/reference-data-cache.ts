import type { Queryable, Sql } from '@/db/client';
import type { CatalogEntry } from '../orders/commands';
import { orderReferenceData } from './catalog-queries';

/** The channel migration 0005's triggers NOTIFY on any change to products or customers. */
export const REFERENCE_CHANNEL = 'orderflow_reference';

type ReferenceData = Awaited<ReturnType<typeof orderReferenceData>>;
type Customer = NonNullable<ReferenceData['customer']>;

/** Entries kept of each kind; beyond it the oldest go first (a big catalog is read through, not held). */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The customers and catalog entries that placing an order reads, kept in this process: a place
 * command then reaches Postgres once (its append) instead of twice. Products and customers change
 * rarely and not through events, so a copy is only right while nothing changed: every change, by
 * any process or by hand in SQL, fires a statement trigger that NOTIFYs REFERENCE_CHANNEL, and
 * each process drops its whole copy on it. It also drops it whenever its LISTEN is (re)made, since
 * a notification sent while the connection was down is lost, and keeps nothing before the first
 * LISTEN. A read that was under way when a drop came is not kept, so a row replaced by a change
 * is served at most until that change's notification arrives.
 */
export class ReferenceDataCache {
  private customers = new Map<string, Customer>();
  private products = new Map<string, CatalogEntry>();
  /** Moves on with every drop: a read begun before it must not be kept. */
  private generation = 0;
  private listening = false;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** LISTENs on the pool's listen connection; until then every lookup reads through. */
  async listen(sql: Sql): Promise<void> {
    const { unlisten } = await sql.listen(
      REFERENCE_CHANNEL,
      () => this.drop(),
      () => {
        this.drop();
        this.listening = true;
      },
    );
    this.unlisten = unlisten;
  }

  async close(): Promise<void> {
    this.listening = false;
    this.drop();
    await this.unlisten?.().catch(() => {});
  }

  /** Forgets everything it holds. */
  drop(): void {
    this.generation++;
    this.customers.clear();
    this.products.clear();
  }

  /** The customer (undefined when there is none) and the entries of those skus that exist. */
  async lookup(db: Queryable, customerId: string, skus: readonly string[]): Promise<ReferenceData> {
    const customer = this.customers.get(customerId);
    if (customer && skus.every((sku) => this.products.has(sku))) {
      const catalog: Record<string, CatalogEntry> = {};
      for (const sku of skus) catalog[sku] = this.products.get(sku)!;
      return { customer, catalog };
    }
    const generation = this.generation;
    const found = await orderReferenceData(db, customerId, skus);
    // What is missing is not kept: a customer or product added later must be found at once.
    if (this.listening && generation === this.generation) {
      if (found.customer) remember(this.customers, customerId, found.customer, this.maxEntries);
      for (const [sku, entry] of Object.entries(found.catalog)) remember(this.products, sku, entry, this.maxEntries);
    }
    return found;
  }

  /** How many entries it holds (customers + products). */
  get size(): number {
    return this.customers.size + this.products.size;
  }
}

const remember = <V>(entries: Map<string, V>, key: string, value: V, max: number): void => {
  entries.delete(key);
  entries.set(key, value);
  if (entries.size > max) entries.delete(entries.keys().next().value!);
};
