import { z } from 'zod';
import { defineEvent, type EventOf } from '../event-store/event-definitions';
import { countryCodeSchema, isoDateTimeSchema } from '../shared/domain-guards';
import { upcastOrderPlacedV1 } from './order-placed-v1';

const text = z.string().min(1);
const cents = z.int().nonnegative();

// Event schemas describe recorded facts, not today's rules: no 999 cap on quantity here, so a
// rule change never makes old events unreadable.
export const orderLineSchema = z.object({
  sku: text,
  name: text,
  quantity: z.int().positive(),
  unitPriceCents: cents,
  lineTotalCents: cents,
});

export const shippingAddressSchema = z.object({
  name: text,
  line1: text,
  city: text,
  postalCode: text,
  country: countryCodeSchema,
});

export type OrderLine = z.output<typeof orderLineSchema>;
export type ShippingAddress = z.output<typeof shippingAddressSchema>;

export const orderPlaced = defineEvent(
  'OrderPlaced',
  z.object({
    orderId: text,
    customerId: text,
    customerName: text,
    lines: z.array(orderLineSchema).min(1),
    shippingAddress: shippingAddressSchema,
    paymentToken: text,
    totalCents: cents,
    itemCount: z.int().positive(),
    placedAt: isoDateTimeSchema,
  }),
  { schemaVersion: 2, upcasters: { 1: upcastOrderPlacedV1 } },
);

export const orderInventoryReserved = defineEvent(
  'OrderInventoryReserved',
  z.object({ orderId: text, reservedAt: isoDateTimeSchema }),
);

export const orderPaid = defineEvent(
  'OrderPaid',
  z.object({ orderId: text, paymentId: text, amountCents: z.int().positive(), paidAt: isoDateTimeSchema }),
);

export const orderShipmentCreated = defineEvent(
  'OrderShipmentCreated',
  z.object({
    orderId: text,
    shipmentId: text,
    carrier: text,
    trackingNumber: text,
    shippedAt: isoDateTimeSchema,
  }),
);

export const orderConfirmed = defineEvent(
  'OrderConfirmed',
  z.object({ orderId: text, confirmedAt: isoDateTimeSchema }),
);

export const orderCancellationRequested = defineEvent(
  'OrderCancellationRequested',
  z.object({ orderId: text, reason: text, requestedAt: isoDateTimeSchema }),
);

export const orderCancelled = defineEvent(
  'OrderCancelled',
  z.object({
    orderId: text,
    reason: text,
    cancelledBy: z.enum(['customer', 'system']),
    cancelledAt: isoDateTimeSchema,
  }),
);

export const orderEventDefinitions = [
  orderPlaced,
  orderInventoryReserved,
  orderPaid,
  orderShipmentCreated,
  orderConfirmed,
  orderCancellationRequested,
  orderCancelled,
] as const;

export type OrderEvent = EventOf<(typeof orderEventDefinitions)[number]>;
export type OrderEventType = OrderEvent['type'];
