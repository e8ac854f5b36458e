import { z } from 'zod';
import { defineEvent, type EventOf } from '../event-store/event-definitions';
import { isoDateTimeSchema } from '../shared/domain-guards';

const text = z.string().min(1);
const units = z.int().positive();

export const stockReceived = defineEvent(
  'StockReceived',
  z.object({ sku: text, quantity: units, receivedAt: isoDateTimeSchema }),
);

export const stockReserved = defineEvent(
  'StockReserved',
  z.object({ sku: text, orderId: text, quantity: units, reservedAt: isoDateTimeSchema }),
);

/** Not enough free stock: an expected outcome the saga reacts to, so an event and not an error. */
export const stockReservationRejected = defineEvent(
  'StockReservationRejected',
  z.object({
    sku: text,
    orderId: text,
    requested: units,
    available: z.int().nonnegative(),
    reason: text,
    rejectedAt: isoDateTimeSchema,
  }),
);

export const reservationReleased = defineEvent(
  'ReservationReleased',
  z.object({ sku: text, orderId: text, quantity: units, reason: text, releasedAt: isoDateTimeSchema }),
);

export const reservationCommitted = defineEvent(
  'ReservationCommitted',
  z.object({ sku: text, orderId: text, quantity: units, committedAt: isoDateTimeSchema }),
);

export const inventoryEventDefinitions = [
  stockReceived,
  stockReserved,
  stockReservationRejected,
  reservationReleased,
  reservationCommitted,
] as const;

export type InventoryEvent = EventOf<(typeof inventoryEventDefinitions)[number]>;
export type InventoryEventType = InventoryEvent['type'];
