export const inventoryStreamPrefix = 'inventory-';

/** One stream per sku, so reservations of one product never contend with another's. */
export const inventoryStreamId = (sku: string): string => `${inventoryStreamPrefix}${sku}`;

/** The sku of an inventory stream, or null for any other stream. */
export const skuFromInventoryStreamId = (streamId: string): string | null =>
  streamId.startsWith(inventoryStreamPrefix) && streamId.length > inventoryStreamPrefix.length
    ? streamId.slice(inventoryStreamPrefix.length)
    : null;
