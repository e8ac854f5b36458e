import { deciderSpec } from '../shared/decider-spec';
import type {
  CancelOrder,
  ConfirmOrder,
  MarkInventoryReserved,
  MarkPaid,
  MarkShipmentCreated,
  PlaceOrder,
  RequestCancellation,
} from './commands';
import { orderDecider } from './decider';
import { orderEventDefinitions, type OrderEvent } from './events';

type EventData<T extends OrderEvent['type']> = Extract<OrderEvent, { type: T }>['data'];

export const given = deciderSpec(orderDecider, orderEventDefinitions);

export const orderId = 'ord-1001';
export const paymentId = 'pay-2001';
export const shipmentId = 'shp-3001';

/** Minutes after a fixed morning, so every step of a test story gets its own time. */
export const at = (minute: number): string =>
  `2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

export const catalog = {
  'MUG-01': { name: 'Coffee mug', unitPriceCents: 1250 },
  'TEE-02': { name: 'Orderflow T-shirt', unitPriceCents: 1999 },
};

export const shippingAddress = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Row',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};

export const placeOrder = (data: Partial<PlaceOrder['data']> = {}): PlaceOrder => ({
  type: 'PlaceOrder',
  data: {
    orderId,
    customerId: 'cus-42',
    customerName: 'Ada Lovelace',
    lines: [
      { sku: 'MUG-01', quantity: 2 },
      { sku: 'TEE-02', quantity: 1 },
    ],
    shippingAddress,
    paymentToken: 'tok_visa_4242',
    catalog,
    now: at(0),
    ...data,
  },
});

export const markInventoryReserved = (): MarkInventoryReserved => ({
  type: 'MarkInventoryReserved',
  data: { orderId, now: at(1) },
});

export const markPaid = (data: Partial<MarkPaid['data']> = {}): MarkPaid => ({
  type: 'MarkPaid',
  data: { orderId, paymentId, amountCents: 4499, now: at(2), ...data },
});

export const markShipmentCreated = (data: Partial<MarkShipmentCreated['data']> = {}): MarkShipmentCreated => ({
  type: 'MarkShipmentCreated',
  data: { orderId, shipmentId, carrier: 'DHL', trackingNumber: 'JD0146000001', now: at(3), ...data },
});

export const confirmOrder = (): ConfirmOrder => ({ type: 'ConfirmOrder', data: { orderId, now: at(4) } });

export const requestCancellation = (data: Partial<RequestCancellation['data']> = {}): RequestCancellation => ({
  type: 'RequestCancellation',
  data: { orderId, reason: 'Ordered the wrong size', requestedBy: 'customer', now: at(5), ...data },
});

export const cancelOrder = (data: Partial<CancelOrder['data']> = {}): CancelOrder => ({
  type: 'CancelOrder',
  data: { orderId, reason: 'Ordered the wrong size', cancelledBy: 'customer', now: at(6), ...data },
});

export const orderPlaced = (data: Partial<EventData<'OrderPlaced'>> = {}): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId: 'cus-42',
    customerName: 'Ada Lovelace',
    lines: [
      { sku: 'MUG-01', name: 'Coffee mug', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 },
      { sku: 'TEE-02', name: 'Orderflow T-shirt', quantity: 1, unitPriceCents: 1999, lineTotalCents: 1999 },
    ],
    shippingAddress,
    paymentToken: 'tok_visa_4242',
    totalCents: 4499,
    itemCount: 3,
    placedAt: at(0),
    ...data,
  },
});

export const orderInventoryReserved = (): OrderEvent => ({
  type: 'OrderInventoryReserved',
  data: { orderId, reservedAt: at(1) },
});

export const orderPaid = (): OrderEvent => ({
  type: 'OrderPaid',
  data: { orderId, paymentId, amountCents: 4499, paidAt: at(2) },
});

export const orderShipmentCreated = (): OrderEvent => ({
  type: 'OrderShipmentCreated',
  data: { orderId, shipmentId, carrier: 'DHL', trackingNumber: 'JD0146000001', shippedAt: at(3) },
});

export const orderConfirmed = (): OrderEvent => ({
  type: 'OrderConfirmed',
  data: { orderId, confirmedAt: at(4) },
});

export const orderCancellationRequested = (reason = 'Ordered the wrong size'): OrderEvent => ({
  type: 'OrderCancellationRequested',
  data: { orderId, reason, requestedAt: at(5) },
});

export const orderCancelled = (data: Partial<EventData<'OrderCancelled'>> = {}): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, reason: 'Ordered the wrong size', cancelledBy: 'customer', cancelledAt: at(6), ...data },
});

/** The event history that leaves an order in each status. */
export const historyUntil = {
  placed: () => [orderPlaced()],
  inventoryReserved: () => [orderPlaced(), orderInventoryReserved()],
  paid: () => [orderPlaced(), orderInventoryReserved(), orderPaid()],
  shipmentCreated: () => [orderPlaced(), orderInventoryReserved(), orderPaid(), orderShipmentCreated()],
  confirmed: () => [...historyUntil.shipmentCreated(), orderConfirmed()],
  cancelling: () => [orderPlaced(), orderInventoryReserved(), orderCancellationRequested()],
  cancelled: () => [...historyUntil.cancelling(), orderCancelled()],
};
