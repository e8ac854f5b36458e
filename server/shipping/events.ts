import { z } from 'zod';
import { defineEvent, type EventOf } from '../event-store/event-definitions';
import { countryCodeSchema, isoDateTimeSchema } from '../shared/domain-guards';

const text = z.string().min(1);

export const shipmentCreated = defineEvent(
  'ShipmentCreated',
  z.object({
    shipmentId: text,
    orderId: text,
    carrier: text,
    trackingNumber: text,
    country: countryCodeSchema,
    createdAt: isoDateTimeSchema,
  }),
);

/** The carrier does not serve the country: an expected outcome the saga reacts to, not an error. */
export const shipmentRejected = defineEvent(
  'ShipmentRejected',
  z.object({ orderId: text, country: countryCodeSchema, reason: text, rejectedAt: isoDateTimeSchema }),
);

export const shipmentCancelled = defineEvent(
  'ShipmentCancelled',
  z.object({ shipmentId: text, orderId: text, reason: text, cancelledAt: isoDateTimeSchema }),
);

export const shipmentEventDefinitions = [shipmentCreated, shipmentRejected, shipmentCancelled] as const;

export type ShipmentEvent = EventOf<(typeof shipmentEventDefinitions)[number]>;
export type ShipmentEventType = ShipmentEvent['type'];
