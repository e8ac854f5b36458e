import type { TransactionSql } from '@/db/client';
import type { OrderEvent } from '../orders/events';
import type { OrderStatus } from '../orders/state';
import type { RecordedEvent } from '../event-store/types';
import { defineProjection } from './projection';

export const statusAfter: Record<Exclude<OrderEvent['type'], 'OrderPlaced'>, OrderStatus> = {
  OrderInventoryReserved: 'inventory_reserved',
  OrderPaid: 'paid',
  OrderShipmentCreated: 'shipment_created',
  OrderConfirmed: 'confirmed',
  OrderCancellationRequested: 'cancelling',
  OrderCancelled: 'cancelled',
};

const applyOne = async (tx: TransactionSql, recorded: RecordedEvent): Promise<void> => {
  const event = recorded as unknown as RecordedEvent<OrderEvent['type']> & OrderEvent;
  if (event.type === 'OrderPlaced') {
    const d = event.data;
    await tx`
      INSERT INTO order_summaries (order_id, customer_id, customer_name, status, item_count, total_cents,
                                   placed_at, updated_at, placed_position, version, last_position)
      VALUES (${d.orderId}, ${d.customerId}, ${d.customerName}, 'placed', ${d.itemCount}, ${d.totalCents},
              ${d.placedAt}, ${d.placedAt}, ${recorded.position}, ${recorded.version}, ${recorded.position})
      ON CONFLICT (order_id) DO NOTHING`;
    return;
  }
  // Applied only on top of the previous version: a rebuild racing live appends never skips a change.
  await tx`
    UPDATE order_summaries
    SET status = ${statusAfter[event.type]}, updated_at = ${recorded.metadata.occurredAt},
        version = ${recorded.version}, last_position = ${recorded.position}
    WHERE order_id = ${event.data.orderId} AND version = ${recorded.version - 1}`;
};

export const orderTypes = ['OrderPlaced', ...Object.keys(statusAfter)];

/** The dashboard's rows: one per order, current the moment a command returns. */
export const orderSummariesProjection = defineProjection({
  name: 'order-summaries',
  kind: 'inline',
  description: 'Order list rows: status, customer, items, total, times, version',
  eventTypes: orderTypes,
  tables: ['order_summaries'],
  apply: async (tx, events) => {
    for (const event of events) if (orderTypes.includes(event.type)) await applyOne(tx, event);
  },
});
