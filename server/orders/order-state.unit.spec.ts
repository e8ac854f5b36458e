import { describe, expect, it } from 'vitest';
import { evolve, initialState, canRequestCancellation, isFinalStatus, type OrderState } from './state';
import type { OrderEvent } from './events';
import { at, historyUntil, orderCancelled, orderPlaced, shippingAddress } from './order-test-fixtures';

const replay = (events: readonly OrderEvent[]): OrderState => events.reduce(evolve, initialState());

describe('Order', () => {
  describe('When its events are replayed', () => {
    it('should start with no order', () => {
      expect(initialState()).toEqual({ status: 'none' });
    });

    it('should keep everything views need once the order is confirmed', () => {
      expect(replay(historyUntil.confirmed())).toEqual({
        status: 'confirmed',
        orderId: 'ord-1001',
        customerId: 'cus-42',
        customerName: 'Ada Lovelace',
        lines: [
          { sku: 'MUG-01', name: 'Coffee mug', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 },
          { sku: 'TEE-02', name: 'Orderflow T-shirt', quantity: 1, unitPriceCents: 1999, lineTotalCents: 1999 },
        ],
        shippingAddress,
        paymentToken: 'tok_visa_4242',
        totalCents: 4499,
        itemCount: 3,
        inventoryReservedAt: at(1),
        payment: { paymentId: 'pay-2001', amountCents: 4499, paidAt: at(2) },
        shipment: { shipmentId: 'shp-3001', carrier: 'DHL', trackingNumber: 'JD0146000001', shippedAt: at(3) },
        confirmedAt: at(4),
        cancellation: null,
        placedAt: at(0),
        updatedAt: at(4),
      });
    });

    it('should keep both the request and the cancellation of a cancelled order', () => {
      expect(replay(historyUntil.cancelled())).toMatchObject({
        status: 'cancelled',
        cancellation: {
          reason: 'Ordered the wrong size',
          requestedAt: at(5),
          cancelledBy: 'customer',
          cancelledAt: at(6),
        },
        updatedAt: at(6),
      });
    });

    it('should leave the request time empty when the system cancelled without one', () => {
      const state = replay([orderPlaced(), orderCancelled({ cancelledBy: 'system', reason: 'Payment declined' })]);
      expect(state).toMatchObject({
        status: 'cancelled',
        cancellation: { reason: 'Payment declined', requestedAt: null, cancelledBy: 'system' },
      });
    });

    it('should tell which statuses still allow a cancellation request', () => {
      expect(canRequestCancellation(replay(historyUntil.paid()))).toBe(true);
      expect(canRequestCancellation(replay(historyUntil.shipmentCreated()))).toBe(false);
      expect(canRequestCancellation(replay(historyUntil.cancelling()))).toBe(false);
      expect(canRequestCancellation(initialState())).toBe(false);
    });

    it('should treat only confirmed and cancelled as final', () => {
      expect(['confirmed', 'cancelled'].every((status) => isFinalStatus(status as OrderState['status']))).toBe(true);
      expect(isFinalStatus('cancelling')).toBe(false);
      expect(isFinalStatus('shipment_created')).toBe(false);
    });
  });
});
