import { z } from 'zod';
import { defineEvent, type EventOf } from '../event-store/event-definitions';
import { isoDateTimeSchema } from '../shared/domain-guards';

const text = z.string().min(1);
const cents = z.int().positive();

export const paymentCharged = defineEvent(
  'PaymentCharged',
  z.object({ paymentId: text, orderId: text, amountCents: cents, token: text, chargedAt: isoDateTimeSchema }),
);

/** The gateway said no: an expected outcome the saga reacts to, so an event and not an error. */
export const paymentDeclined = defineEvent(
  'PaymentDeclined',
  z.object({ orderId: text, amountCents: cents, token: text, reason: text, declinedAt: isoDateTimeSchema }),
);

export const paymentRefunded = defineEvent(
  'PaymentRefunded',
  z.object({ paymentId: text, orderId: text, amountCents: cents, reason: text, refundedAt: isoDateTimeSchema }),
);

export const paymentEventDefinitions = [paymentCharged, paymentDeclined, paymentRefunded] as const;

export type PaymentEvent = EventOf<(typeof paymentEventDefinitions)[number]>;
export type PaymentEventType = PaymentEvent['type'];
