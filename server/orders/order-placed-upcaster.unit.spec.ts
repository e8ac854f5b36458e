import { describe, expect, it } from 'vitest';
import { EventRegistry, StoredEventInvalidError } from '../event-store/event-registry';
import { orderEventDefinitions } from './events';
import { at, orderPlaced, shippingAddress } from './order-test-fixtures';

const registry = new EventRegistry(orderEventDefinitions);

const v1Payload = {
  orderId: 'ord-0007',
  customerId: 'cus-7',
  lines: [
    { sku: 'MUG-01', name: 'Coffee mug', quantity: 2, unitPrice: 12.5 },
    { sku: 'TEE-02', name: 'Orderflow T-shirt', quantity: 3, unitPrice: 19.99 },
  ],
  shippingAddress,
  paymentToken: 'tok_legacy',
  placedAt: at(0),
};

describe('Order', () => {
  describe('When an OrderPlaced of schema version 1 is read', () => {
    it('should come out as a valid version 2 payload in cents', () => {
      expect(registry.read('OrderPlaced', 1, v1Payload)).toEqual({
        orderId: 'ord-0007',
        customerId: 'cus-7',
        customerName: 'cus-7',
        lines: [
          { sku: 'MUG-01', name: 'Coffee mug', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 },
          // 19.99 * 100 is 1998.9999999999998 in floating point; rounding gives the intended cents.
          { sku: 'TEE-02', name: 'Orderflow T-shirt', quantity: 3, unitPriceCents: 1999, lineTotalCents: 5997 },
        ],
        shippingAddress,
        paymentToken: 'tok_legacy',
        totalCents: 8497,
        itemCount: 5,
        placedAt: at(0),
      });
    });

    it('should keep a stored total rather than recompute it', () => {
      const read = registry.read('OrderPlaced', 1, { ...v1Payload, totalCents: 8000 });
      expect(read).toMatchObject({ totalCents: 8000 });
    });

    it('should refuse a stored payload that is neither version 1 nor version 2', () => {
      expect(() => registry.read('OrderPlaced', 1, { orderId: 'ord-0007' })).toThrow(StoredEventInvalidError);
    });

    it('should read a version 2 payload unchanged', () => {
      const current = orderPlaced();
      expect(registry.read('OrderPlaced', 2, current.data)).toEqual(current.data);
    });
  });
});
