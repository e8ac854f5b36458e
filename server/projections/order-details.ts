import type { TransactionSql } from '@/db/client';
import type { OrderEvent } from '../orders/events';
import type { RecordedEvent } from '../event-store/types';
import { orderTypes } from './order-summaries';
import { defineProjection } from './projection';

const applyOne = async (tx: TransactionSql, recorded: RecordedEvent): Promise<void> => {
  const event = recorded as unknown as RecordedEvent & OrderEvent;
  const at = { version: recorded.version, position: recorded.position };
  const guard = tx`order_id = ${event.data.orderId} AND version = ${at.version - 1}`;
  switch (event.type) {
    case 'OrderPlaced': {
      const d = event.data;
      await tx`
        INSERT INTO order_details (order_id, lines, shipping_address, payment_token, version, last_position)
        VALUES (${d.orderId}, ${tx.json(d.lines)}, ${tx.json(d.shippingAddress)}, ${d.paymentToken}, ${at.version}, ${at.position})
        ON CONFLICT (order_id) DO NOTHING`;
      return;
    }
    case 'OrderPaid':
      await tx`UPDATE order_details SET payment_id = ${event.data.paymentId}, paid_cents = ${event.data.amountCents},
               version = ${at.version}, last_position = ${at.position} WHERE ${guard}`;
      return;
    case 'OrderShipmentCreated':
      await tx`UPDATE order_details SET shipment_id = ${event.data.shipmentId}, carrier = ${event.data.carrier},
               tracking_number = ${event.data.trackingNumber}, version = ${at.version}, last_position = ${at.position} WHERE ${guard}`;
      return;
    case 'OrderCancellationRequested':
      await tx`UPDATE order_details SET cancellation_reason = ${event.data.reason},
               version = ${at.version}, last_position = ${at.position} WHERE ${guard}`;
      return;
    case 'OrderCancelled':
      await tx`UPDATE order_details SET cancellation_reason = ${event.data.reason}, cancelled_by = ${event.data.cancelledBy},
               version = ${at.version}, last_position = ${at.position} WHERE ${guard}`;
      return;
    case 'OrderInventoryReserved':
    case 'OrderConfirmed':
      await tx`UPDATE order_details SET version = ${at.version}, last_position = ${at.position} WHERE ${guard}`;
      return;
  }
};

/** The order page's lines, address and references, current the moment a command returns. */
export const orderDetailsProjection = defineProjection({
  name: 'order-details',
  kind: 'inline',
  description: 'Order page: lines, address, payment and shipment references',
  eventTypes: orderTypes,
  tables: ['order_details'],
  apply: async (tx, events) => {
    for (const event of events) if (orderTypes.includes(event.type)) await applyOne(tx, event);
  },
});
