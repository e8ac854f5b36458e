import type { Queryable } from '@/db/client';
import type { Catalog } from '../orders/commands';

export type Product = { sku: string; name: string; description: string; category: string; priceCents: number };

export const listProducts = async (db: Queryable) =>
  db<(Product & { onHand: number | null; available: number | null })[]>`
    SELECT p.sku, p.name, p.description, p.category, p.price_cents AS "priceCents",
           l.on_hand AS "onHand", l.available AS "available"
    FROM products p LEFT JOIN inventory_levels l USING (sku)
    ORDER BY p.name`;

export const listCustomers = async (db: Queryable) =>
  db<{ customerId: string; name: string; email: string; country: string }[]>`
    SELECT customer_id AS "customerId", name, email, country FROM customers ORDER BY name`;

/** What placing an order needs from reference data, in one round trip: the customer and the skus' entries. */
export const orderReferenceData = async (db: Queryable, customerId: string, skus: readonly string[]) => {
  const [row] = await db<{ customer: { customerId: string; name: string } | null; catalog: Catalog }[]>`
    SELECT
      (SELECT json_build_object('customerId', customer_id, 'name', name) FROM customers WHERE customer_id = ${customerId}) AS customer,
      (SELECT coalesce(json_object_agg(sku, json_build_object('name', name, 'unitPriceCents', price_cents)), '{}'::json)
       FROM products WHERE sku = ANY(${[...skus]}::text[])) AS catalog`;
  return { customer: row?.customer ?? undefined, catalog: row?.catalog ?? {} };
};
