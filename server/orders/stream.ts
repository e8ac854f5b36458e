export const orderStreamPrefix = 'order-';

export const orderStreamId = (orderId: string): string => `${orderStreamPrefix}${orderId}`;

/** The order id of an order stream, or null for any other stream. */
export const orderIdFromStreamId = (streamId: string): string | null =>
  streamId.startsWith(orderStreamPrefix) && streamId.length > orderStreamPrefix.length
    ? streamId.slice(orderStreamPrefix.length)
    : null;
