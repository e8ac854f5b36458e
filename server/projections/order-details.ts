import type { ProjectedEvent } from '../event-store/types';
import type { OrderEvent } from '../orders/events';
import { orderTypes } from './order-summaries';
import { rowProjection } from './row-projection';

export type OrderDetailsRow = {
  order_id: string;
  lines: unknown;
  shipping_address: unknown;
  payment_token: string;
  payment_id: string | null;
  paid_cents: number | null;
  shipment_id: string | null;
  carrier: string | null;
  tracking_number: string | null;
  cancellation_reason: string | null;
  cancelled_by: string | null;
  version: number;
  last_position: number;
};

const evolveOrderDetails = (row: OrderDetailsRow | undefined, recorded: ProjectedEvent): OrderDetailsRow => {
  const event = recorded as unknown as OrderEvent;
  const stamp = { version: recorded.version, last_position: recorded.position };
  switch (event.type) {
    case 'OrderPlaced':
      return {
        order_id: event.data.orderId,
        lines: event.data.lines,
        shipping_address: event.data.shippingAddress,
        payment_token: event.data.paymentToken,
        payment_id: null,
        paid_cents: null,
        shipment_id: null,
        carrier: null,
        tracking_number: null,
        cancellation_reason: null,
        cancelled_by: null,
        ...stamp,
      };
    case 'OrderPaid':
      return { ...row!, payment_id: event.data.paymentId, paid_cents: event.data.amountCents, ...stamp };
    case 'OrderShipmentCreated':
      return { ...row!, shipment_id: event.data.shipmentId, carrier: event.data.carrier, tracking_number: event.data.trackingNumber, ...stamp };
    case 'OrderCancellationRequested':
      return { ...row!, cancellation_reason: event.data.reason, ...stamp };
    case 'OrderCancelled':
      return { ...row!, cancellation_reason: event.data.reason, cancelled_by: event.data.cancelledBy, ...stamp };
    case 'OrderInventoryReserved':
    case 'OrderConfirmed':
      return { ...row!, ...stamp };
  }
};

/** The order page's lines, address and references, current the moment a command returns. */
export const orderDetailsProjection = rowProjection<OrderDetailsRow>({
  name: 'order-details',
  description: 'Order page: lines, address, payment and shipment references',
  table: 'order_details',
  key: 'order_id',
  eventTypes: orderTypes,
  keyOf: (event) => (event.data as { orderId?: string }).orderId,
  evolve: evolveOrderDetails,
});
