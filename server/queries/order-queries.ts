import type { Queryable } from '@/db/client';
import { literalLimit } from '@/db/client';

export type OrderSummary = {
  orderId: string;
  customerId: string;
  customerName: string;
  status: string;
  itemCount: number;
  totalCents: number;
  placedAt: string;
  updatedAt: string;
  version: number;
  lastPosition: number;
  /** The position of the OrderPlaced event: the list's order and cursor. */
  placedPosition: number;
};

export const SUMMARY_COLUMNS = `order_id AS "orderId", customer_id AS "customerId", customer_name AS "customerName", status,
  item_count AS "itemCount", total_cents AS "totalCents", placed_at AS "placedAt", updated_at AS "updatedAt",
  version, last_position AS "lastPosition", placed_position AS "placedPosition"`;

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));
export const toSummary = (row: OrderSummary): OrderSummary => ({
  orderId: row.orderId,
  customerId: row.customerId,
  customerName: row.customerName,
  status: row.status,
  itemCount: row.itemCount,
  totalCents: row.totalCents,
  placedAt: iso(row.placedAt),
  updatedAt: iso(row.updatedAt),
  version: row.version,
  lastPosition: row.lastPosition,
  placedPosition: row.placedPosition,
});

export type OrderListFilter = { status?: string; customerId?: string; search?: string; cursor?: string; limit: number };

/** Newest first, keyset-paged on the position the order was placed at (unique and indexed). */
export const listOrders = async (db: Queryable, filter: OrderListFilter) => {
  const before = filter.cursor ? Number(filter.cursor) : null;
  const rows = await db<OrderSummary[]>`
    SELECT ${db.unsafe(SUMMARY_COLUMNS)} FROM order_summaries
    WHERE true
      ${filter.status ? db`AND status = ${filter.status}` : db``}
      ${filter.customerId ? db`AND customer_id = ${filter.customerId}` : db``}
      ${filter.search ? db`AND order_id LIKE ${`${filter.search.toLowerCase().replace(/[%_\\]/g, '')}%`}` : db``}
      ${before !== null ? db`AND placed_position < ${before}` : db``}
    ORDER BY placed_position DESC NULLS LAST -- matches the indexes (drizzle .desc() is NULLS LAST)
    LIMIT ${literalLimit(db, filter.limit + 1)}`;
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map(toSummary),
    nextCursor: rows.length > filter.limit ? String(page[page.length - 1]!.placedPosition) : null,
  };
};

export const findOrderSummary = async (db: Queryable, orderId: string): Promise<OrderSummary | undefined> => {
  const [row] = await db<OrderSummary[]>`SELECT ${db.unsafe(SUMMARY_COLUMNS)} FROM order_summaries WHERE order_id = ${orderId}`;
  return row ? toSummary(row) : undefined;
};

export type OrderDetails = {
  lines: { sku: string; name: string; quantity: number; unitPriceCents: number; lineTotalCents: number }[];
  shippingAddress: { name: string; line1: string; city: string; postalCode: string; country: string };
  paymentId: string | null;
  paidCents: number | null;
  shipmentId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  cancellationReason: string | null;
  cancelledBy: string | null;
};

export const findOrderDetails = async (db: Queryable, orderId: string): Promise<OrderDetails | undefined> => {
  const [row] = await db<OrderDetails[]>`
    SELECT lines, shipping_address AS "shippingAddress", payment_id AS "paymentId", paid_cents AS "paidCents",
           shipment_id AS "shipmentId", carrier, tracking_number AS "trackingNumber",
           cancellation_reason AS "cancellationReason", cancelled_by AS "cancelledBy"
    FROM order_details WHERE order_id = ${orderId}`;
  return row;
};
