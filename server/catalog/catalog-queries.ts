import type { Queryable } from '@/db/client';
import type { Catalog } from '../orders/commands';

export type Product = { sku: string; name: string; description: string; category: string; priceCents: number };

export const listProducts = async (db: Queryable) =>
  db<(Product & { onHand: number | null; available: number | null })[]>`
    SELECT p.sku, p.name, p.description, p.category, p.price_cents AS "priceCents",
           l.on_hand AS "onHand", l.available AS "available"
    FROM products p LEFT JOIN inventory_levels l USING (sku)
    ORDER BY p.name`;

/** The catalog entries for the skus asked for; unknown skus are simply absent (the decider says so). */
export const catalogFor = async (db: Queryable, skus: readonly string[]): Promise<Catalog> => {
  const rows = await db<{ sku: string; name: string; price_cents: number }[]>`
    SELECT sku, name, price_cents FROM products WHERE sku = ANY(${[...skus]}::text[])`;
  return Object.fromEntries(rows.map((r) => [r.sku, { name: r.name, unitPriceCents: r.price_cents }]));
};

export const listCustomers = async (db: Queryable) =>
  db<{ customerId: string; name: string; email: string; country: string }[]>`
    SELECT customer_id AS "customerId", name, email, country FROM customers ORDER BY name`;

export const findCustomer = async (db: Queryable, customerId: string) => {
  const [row] = await db<{ customerId: string; name: string }[]>`
    SELECT customer_id AS "customerId", name FROM customers WHERE customer_id = ${customerId}`;
  return row;
};
