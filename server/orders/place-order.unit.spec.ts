import { describe, expect, it } from 'vitest';
import { given, orderPlaced, placeOrder } from './order-test-fixtures';

describe('Order', () => {
  describe('When placed', () => {
    it('should record the order with lines priced from the catalog', () => {
      given([]).when(placeOrder()).then([orderPlaced()]);
    });

    it('should use catalog prices even when the client sends its own', () => {
      const withClientPrice = placeOrder({
        lines: [{ sku: 'MUG-01', quantity: 1, unitPriceCents: 1 } as { sku: string; quantity: number }],
      });
      given([])
        .when(withClientPrice)
        .then([
          orderPlaced({
            lines: [{ sku: 'MUG-01', name: 'Coffee mug', quantity: 1, unitPriceCents: 1250, lineTotalCents: 1250 }],
            totalCents: 1250,
            itemCount: 1,
          }),
        ]);
    });

    it('should merge lines that repeat a sku into the first of them', () => {
      const repeated = placeOrder({
        lines: [
          { sku: 'MUG-01', quantity: 1 },
          { sku: 'TEE-02', quantity: 1 },
          { sku: 'MUG-01', quantity: 1 },
        ],
      });
      given([]).when(repeated).then([orderPlaced()]);
    });

    it('should reject merged lines that add up to more than 999', () => {
      const error = given([])
        .when(placeOrder({ lines: [{ sku: 'MUG-01', quantity: 500 }, { sku: 'MUG-01', quantity: 500 }] }))
        .thenThrows('VALIDATION', { path: ['lines', 0, 'quantity'] });
      expect(error.message).toContain('MUG-01');
    });

    it('should accept the largest allowed quantity of 999', () => {
      given([])
        .when(placeOrder({ lines: [{ sku: 'MUG-01', quantity: 999 }] }))
        .then([
          orderPlaced({
            lines: [{ sku: 'MUG-01', name: 'Coffee mug', quantity: 999, unitPriceCents: 1250, lineTotalCents: 1_248_750 }],
            totalCents: 1_248_750,
            itemCount: 999,
          }),
        ]);
    });

    it('should reject an order without lines', () => {
      given([]).when(placeOrder({ lines: [] })).thenThrows('VALIDATION', { path: ['lines'] });
    });

    it.each([0, -1, 1000, 1.5, Number.NaN])('should reject a quantity of %s with the line index', (quantity) => {
      given([])
        .when(placeOrder({ lines: [{ sku: 'MUG-01', quantity: 1 }, { sku: 'TEE-02', quantity }] }))
        .thenThrows('VALIDATION', { path: ['lines', 1, 'quantity'] });
    });

    it('should reject an empty sku with the line index', () => {
      given([])
        .when(placeOrder({ lines: [{ sku: ' ', quantity: 1 }] }))
        .thenThrows('VALIDATION', { path: ['lines', 0, 'sku'] });
    });

    it('should reject a sku missing from the catalog', () => {
      given([])
        .when(placeOrder({ lines: [{ sku: 'MUG-01', quantity: 1 }, { sku: 'GHOST-9', quantity: 1 }] }))
        .thenThrows('UNKNOWN_SKU', { path: ['lines', 1, 'sku'], sku: 'GHOST-9' });
    });

    it('should not mistake built-in object keys for catalog entries', () => {
      given([])
        .when(placeOrder({ lines: [{ sku: 'constructor', quantity: 1 }] }))
        .thenThrows('UNKNOWN_SKU', { path: ['lines', 0, 'sku'] });
    });

    it('should reject a catalog entry with a negative price', () => {
      given([])
        .when(placeOrder({ catalog: { 'MUG-01': { name: 'Coffee mug', unitPriceCents: -5 }, 'TEE-02': { name: 'Tee', unitPriceCents: 100 } } }))
        .thenThrows('VALIDATION', { path: ['catalog', 'MUG-01', 'unitPriceCents'] });
    });

    it.each(['gb', 'GBR', 'G1', ''])('should reject the country code %j', (country) => {
      given([])
        .when(placeOrder({ shippingAddress: { name: 'Ada', line1: '1 Row', city: 'London', postalCode: 'N1', country } }))
        .thenThrows('VALIDATION', { path: ['shippingAddress', 'country'] });
    });

    it('should reject an address without a city', () => {
      given([])
        .when(placeOrder({ shippingAddress: { name: 'Ada', line1: '1 Row', city: '  ', postalCode: 'N1', country: 'GB' } }))
        .thenThrows('VALIDATION', { path: ['shippingAddress', 'city'] });
    });

    it('should reject an empty customer name', () => {
      given([]).when(placeOrder({ customerName: '' })).thenThrows('VALIDATION', { path: ['customerName'] });
    });

    it('should reject a missing payment token', () => {
      given([]).when(placeOrder({ paymentToken: '' })).thenThrows('VALIDATION', { path: ['paymentToken'] });
    });

    it('should reject a current time that is not an ISO-8601 date-time', () => {
      given([]).when(placeOrder({ now: '01/03/2025 10:00' })).thenThrows('VALIDATION', { path: ['now'] });
    });

    it('should reject placing an order that already exists', () => {
      given([orderPlaced()]).when(placeOrder()).thenThrows('CONFLICT', { orderId: 'ord-1001' });
    });
  });
});
