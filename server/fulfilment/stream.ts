export const fulfilmentStreamPrefix = 'fulfilment-';

/** One saga stream per order; its events carry the order id as correlation id. */
export const fulfilmentStreamId = (orderId: string): string => `${fulfilmentStreamPrefix}${orderId}`;

export const orderIdFromFulfilmentStreamId = (streamId: string): string | null =>
  streamId.startsWith(fulfilmentStreamPrefix) && streamId.length > fulfilmentStreamPrefix.length
    ? streamId.slice(fulfilmentStreamPrefix.length)
    : null;
