import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const position = (name: string) => bigint(name, { mode: 'number' });

/** Where each projection stands in the global order, written in the same transaction as its rows. */
export const projectionCheckpoints = pgTable('projection_checkpoints', {
  name: text('name').primaryKey(),
  position: position('position').notNull().default(0),
  status: text('status').notNull().default('running'),
  rebuildTarget: position('rebuild_target'),
  rebuildStartedAt: ts('rebuild_started_at'),
  lastError: text('last_error'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Inline: written in the append's own transaction. */
export const orderSummaries = pgTable(
  'order_summaries',
  {
    orderId: text('order_id').primaryKey(),
    customerId: text('customer_id').notNull(),
    customerName: text('customer_name').notNull(),
    status: text('status').notNull(),
    itemCount: integer('item_count').notNull(),
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
    placedAt: ts('placed_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    placedPosition: position('placed_position').notNull(),
    version: integer('version').notNull(),
    lastPosition: position('last_position').notNull(),
  },
  (t) => [
    index('order_summaries_placed_idx').on(t.placedPosition.desc()),
    index('order_summaries_status_placed_idx').on(t.status, t.placedPosition.desc()),
    index('order_summaries_customer_placed_idx').on(t.customerId, t.placedPosition.desc()),
    // Order-id prefix search (LIKE 'abc%') whatever the database's collation.
    index('order_summaries_order_id_prefix_idx').using('btree', t.orderId.op('text_pattern_ops')),
  ],
);

/** Inline: the order page's fields that the list does not need. */
export const orderDetails = pgTable('order_details', {
  orderId: text('order_id').primaryKey(),
  lines: jsonb('lines').notNull(),
  shippingAddress: jsonb('shipping_address').notNull(),
  paymentToken: text('payment_token').notNull(),
  paymentId: text('payment_id'),
  paidCents: bigint('paid_cents', { mode: 'number' }),
  shipmentId: text('shipment_id'),
  carrier: text('carrier'),
  trackingNumber: text('tracking_number'),
  cancellationReason: text('cancellation_reason'),
  cancelledBy: text('cancelled_by'),
  version: integer('version').notNull(),
  lastPosition: position('last_position').notNull(),
});

/** Async: stock per sku, followed from the global order. */
export const inventoryLevels = pgTable('inventory_levels', {
  sku: text('sku').primaryKey(),
  onHand: integer('on_hand').notNull(),
  reserved: integer('reserved').notNull(),
  available: integer('available').notNull(),
  lastPosition: position('last_position').notNull(),
});

/** Async dashboard statistics: its own copy of each order's status so counts move without reading other models. */
export const statsOrderStatus = pgTable('stats_order_status', {
  orderId: text('order_id').primaryKey(),
  status: text('status').notNull(),
  totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
});

export const statsStatusCounts = pgTable('stats_status_counts', {
  status: text('status').primaryKey(),
  count: bigint('count', { mode: 'number' }).notNull(),
});

export const statsRevenue = pgTable('stats_revenue', {
  id: integer('id').primaryKey(),
  revenueCents: bigint('revenue_cents', { mode: 'number' }).notNull(),
  confirmedCount: bigint('confirmed_count', { mode: 'number' }).notNull(),
});

/**
 * Saga counters for /api/health, one row each (running, compensating, completed, compensated,
 * failed, retries), moved by the lifecycle events of every saga: one row read instead of a scan of
 * saga_progress.
 */
export const statsSagaCounts = pgTable('stats_saga_counts', {
  counter: text('counter').primaryKey(),
  count: bigint('count', { mode: 'number' }).notNull(),
});

/** Orders per minute by outcome (placed, confirmed, cancelled), bucketed by the event's own time. */
export const statsOrdersPerMinute = pgTable(
  'stats_orders_per_minute',
  {
    minute: ts('minute').notNull(),
    outcome: text('outcome').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.outcome] })],
);
