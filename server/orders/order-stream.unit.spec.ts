import { describe, expect, it } from 'vitest';
import { orderIdFromStreamId, orderStreamId } from './stream';

describe('Order', () => {
  describe('When its stream is named', () => {
    it('should prefix the order id with order-', () => {
      expect(orderStreamId('ord-1001')).toBe('order-ord-1001');
    });

    it('should read the order id back from an order stream only', () => {
      expect(orderIdFromStreamId('order-ord-1001')).toBe('ord-1001');
      expect(orderIdFromStreamId('payment-ord-1001')).toBeNull();
      expect(orderIdFromStreamId('order-')).toBeNull();
    });
  });
});
