import { DomainError } from '../shared/errors';
import { requireText, requireWholeNumberBetween } from '../shared/domain-guards';
import type { Catalog, CatalogEntry, RequestedOrderLine } from './commands';
import type { OrderLine } from './events';

export const maxLineQuantity = 999;

const requireQuantity = (quantity: number, index: number): void =>
  requireWholeNumberBetween(quantity, 1, maxLineQuantity, ['lines', index, 'quantity'], 'Quantity');

// Own keys only: a sku such as "constructor" must not find Object.prototype members.
const catalogEntry = (catalog: Catalog, sku: string): CatalogEntry | undefined =>
  Object.hasOwn(catalog, sku) ? catalog[sku] : undefined;

/**
 * Validates the requested lines and prices them from the catalog. Lines repeating a sku are merged
 * into the first one, and the merged quantity must still be within 1..999.
 */
export const priceOrderLines = (
  requested: readonly RequestedOrderLine[],
  catalog: Catalog,
): OrderLine[] => {
  if (requested.length === 0) {
    throw new DomainError('VALIDATION', 'An order needs at least one line', { path: ['lines'] });
  }

  const merged = new Map<string, { quantity: number; index: number }>();
  requested.forEach(({ sku, quantity }, index) => {
    requireText(sku, ['lines', index, 'sku'], 'SKU');
    requireQuantity(quantity, index);
    const earlier = merged.get(sku);
    merged.set(sku, { quantity: (earlier?.quantity ?? 0) + quantity, index: earlier?.index ?? index });
  });

  return [...merged].map(([sku, { quantity, index }]) => {
    if (quantity > maxLineQuantity) {
      throw new DomainError(
        'VALIDATION',
        `The lines for SKU ${sku} add up to ${quantity}; an order can hold at most ${maxLineQuantity} of one product`,
        { path: ['lines', index, 'quantity'], value: quantity },
      );
    }
    const entry = catalogEntry(catalog, sku);
    if (!entry) {
      throw new DomainError('UNKNOWN_SKU', `There is no product with SKU ${sku}`, {
        path: ['lines', index, 'sku'],
        sku,
      });
    }
    requireText(entry.name, ['catalog', sku, 'name'], 'Product name');
    requireWholeNumberBetween(
      entry.unitPriceCents,
      0,
      Number.MAX_SAFE_INTEGER,
      ['catalog', sku, 'unitPriceCents'],
      'Unit price in cents',
    );
    return {
      sku,
      name: entry.name,
      quantity,
      unitPriceCents: entry.unitPriceCents,
      lineTotalCents: entry.unitPriceCents * quantity,
    };
  });
};
