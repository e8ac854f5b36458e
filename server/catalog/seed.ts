import { handleCommand } from '../command-handler';
import { inventoryDecider } from '../inventory/decider';
import { inventorySnapshotPolicy } from '../inventory/snapshot-policy';
import { inventoryStreamId } from '../inventory/stream';
import type { Orderflow } from '../orderflow';
import { demoCustomers, demoProducts } from './demo-data';

/** Seeds the catalog, customers and opening stock once; running it again changes nothing. */
export const seedDemoData = async (app: Orderflow): Promise<void> => {
  const { sql } = app;
  await sql`
    INSERT INTO products (sku, name, description, category, price_cents)
    SELECT * FROM unnest(${demoProducts.map((p) => p.sku)}::text[], ${demoProducts.map((p) => p.name)}::text[],
      ${demoProducts.map((p) => `${p.name}, from our ${p.category.toLowerCase()} range`)}::text[],
      ${demoProducts.map((p) => p.category)}::text[], ${demoProducts.map((p) => p.priceCents)}::int[])
    ON CONFLICT (sku) DO NOTHING`;
  await sql`
    INSERT INTO customers (customer_id, name, email, country)
    SELECT * FROM unnest(${demoCustomers.map((c) => c.customerId)}::text[], ${demoCustomers.map((c) => c.name)}::text[],
      ${demoCustomers.map((c) => c.email)}::text[], ${demoCustomers.map((c) => c.country)}::text[])
    ON CONFLICT (customer_id) DO NOTHING`;
  for (const product of demoProducts) {
    const now = app.clock.now();
    await handleCommand(app.store, {
      streamId: inventoryStreamId(product.sku),
      decider: inventoryDecider,
      command: { type: 'ReceiveStock', data: { sku: product.sku, quantity: product.stock, now } },
      idempotencyKey: `seed:opening-stock:${product.sku}`,
      correlationId: `seed:${product.sku}`,
      actor: { kind: 'seed', id: 'demo-data' },
      now,
      snapshot: inventorySnapshotPolicy,
    });
  }
};
