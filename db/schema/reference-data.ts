import { integer, pgTable, text } from 'drizzle-orm/pg-core';

/** The catalog is reference data; stock lives in the inventory streams. */
export const products = pgTable('products', {
  sku: text('sku').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull(),
  category: text('category').notNull(),
  priceCents: integer('price_cents').notNull(),
});

export const customers = pgTable('customers', {
  customerId: text('customer_id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  country: text('country').notNull(),
});
