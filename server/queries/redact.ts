import type { RecordedEvent } from '../event-store/types';

/** Payload fields that hold a payment credential. The log keeps them; the API never shows them whole. */
const CREDENTIAL_FIELDS = new Set(['paymentToken', 'token']);

/** Enough to tell tokens apart (prefix and last four), never enough to use one. */
export const maskCredential = (value: string): string =>
  value.length <= 8 ? `${value.slice(0, 4)}…` : `${value.slice(0, 4)}…${value.slice(-4)}`;

const redact = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, CREDENTIAL_FIELDS.has(key) && typeof field === 'string' ? maskCredential(field) : redact(field)]),
  );
};

/** The event as the API shows it: payment credentials masked. */
export const publicEvent = (event: RecordedEvent): RecordedEvent => ({ ...event, data: redact(event.data) });
