export const shipmentStreamPrefix = 'shipment-';

/** One shipment stream per order. */
export const shipmentStreamId = (orderId: string): string => `${shipmentStreamPrefix}${orderId}`;

/** The order id of a shipment stream, or null for any other stream. */
export const orderIdFromShipmentStreamId = (streamId: string): string | null =>
  streamId.startsWith(shipmentStreamPrefix) && streamId.length > shipmentStreamPrefix.length
    ? streamId.slice(shipmentStreamPrefix.length)
    : null;
