export const paymentStreamPrefix = 'payment-';

/** One payment stream per order: it holds every charge attempt and refund of that order. */
export const paymentStreamId = (orderId: string): string => `${paymentStreamPrefix}${orderId}`;

/** The order id of a payment stream, or null for any other stream. */
export const orderIdFromPaymentStreamId = (streamId: string): string | null =>
  streamId.startsWith(paymentStreamPrefix) && streamId.length > paymentStreamPrefix.length
    ? streamId.slice(paymentStreamPrefix.length)
    : null;
