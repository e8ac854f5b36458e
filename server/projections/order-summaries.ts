import type { ProjectedEvent } from '../event-store/types';
import type { OrderEvent } from '../orders/events';
import type { OrderStatus } from '../orders/state';
import { rowProjection } from './row-projection';

export const statusAfter: Record<Exclude<OrderEvent['type'], 'OrderPlaced'>, OrderStatus> = {
  OrderInventoryReserved: 'inventory_reserved',
  OrderPaid: 'paid',
  OrderShipmentCreated: 'shipment_created',
  OrderConfirmed: 'confirmed',
  OrderCancellationRequested: 'cancelling',
  OrderCancelled: 'cancelled',
};

export const orderTypes: readonly string[] = ['OrderPlaced', ...Object.keys(statusAfter)];

export type OrderSummaryRow = {
  order_id: string;
  customer_id: string;
  customer_name: string;
  status: string;
  item_count: number;
  total_cents: number;
  placed_at: string | Date;
  updated_at: string | Date;
  placed_position: number;
  version: number;
  last_position: number;
};

const orderIdOf = (event: Pick<ProjectedEvent, 'data'>) => (event.data as { orderId?: string }).orderId;

export const evolveOrderSummary = (row: OrderSummaryRow | undefined, recorded: ProjectedEvent): OrderSummaryRow => {
  const event = recorded as unknown as OrderEvent;
  const stamp = { version: recorded.version, last_position: recorded.position };
  if (event.type === 'OrderPlaced') {
    const d = event.data;
    return {
      order_id: d.orderId,
      customer_id: d.customerId,
      customer_name: d.customerName,
      status: 'placed',
      item_count: d.itemCount,
      total_cents: d.totalCents,
      placed_at: d.placedAt,
      updated_at: d.placedAt,
      placed_position: recorded.position,
      ...stamp,
    };
  }
  return { ...row!, status: statusAfter[event.type], updated_at: recorded.metadata.occurredAt, ...stamp };
};

/** The dashboard's rows: one per order, current the moment a command returns. */
export const orderSummariesProjection = rowProjection<OrderSummaryRow>({
  name: 'order-summaries',
  description: 'Order list rows: status, customer, items, total, times, version',
  table: 'order_summaries',
  key: 'order_id',
  eventTypes: orderTypes,
  keyOf: orderIdOf,
  evolve: evolveOrderSummary,
});
