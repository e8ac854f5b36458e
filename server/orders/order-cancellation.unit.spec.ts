import { describe, expect, it } from 'vitest';
import {
  cancelOrder,
  given,
  historyUntil,
  orderCancellationRequested,
  orderCancelled,
  requestCancellation,
} from './order-test-fixtures';

describe('Order', () => {
  describe('When cancellation is requested', () => {
    it.each(['placed', 'inventoryReserved', 'paid'] as const)(
      'should record the request of an order that is %s',
      (status) => {
        given(historyUntil[status]()).when(requestCancellation()).then([orderCancellationRequested()]);
      },
    );

    it('should change nothing when a cancellation is already under way', () => {
      given(historyUntil.cancelling()).when(requestCancellation({ reason: 'Asking again' })).thenNothingHappens();
    });

    it('should refuse once the shipment has been created, saying why', () => {
      const error = given(historyUntil.shipmentCreated())
        .when(requestCancellation())
        .thenThrows('CANCEL_NOT_ALLOWED', { status: 'shipment_created' });
      expect(error.message).toMatch(/^The shipment has already been created/);
    });

    it('should reject a cancelled order', () => {
      given(historyUntil.cancelled()).when(requestCancellation()).thenThrows('ORDER_FINAL');
    });

    it('should reject a confirmed order', () => {
      given(historyUntil.confirmed()).when(requestCancellation()).thenThrows('ORDER_FINAL');
    });

    it('should reject an order that does not exist', () => {
      given([]).when(requestCancellation()).thenThrows('NOT_FOUND');
    });

    it('should reject an empty reason', () => {
      given(historyUntil.placed())
        .when(requestCancellation({ reason: ' ' }))
        .thenThrows('VALIDATION', { path: ['reason'] });
    });
  });

  describe('When cancelled', () => {
    it('should cancel an order whose cancellation was requested', () => {
      given(historyUntil.cancelling()).when(cancelOrder()).then([orderCancelled()]);
    });

    it('should let the system cancel a placed order, e.g. when stock ran out', () => {
      given(historyUntil.placed())
        .when(cancelOrder({ reason: 'Out of stock: MUG-01', cancelledBy: 'system' }))
        .then([orderCancelled({ reason: 'Out of stock: MUG-01', cancelledBy: 'system' })]);
    });

    it('should let the system cancel a paid order', () => {
      given(historyUntil.paid())
        .when(cancelOrder({ reason: 'Carrier cannot ship to GB', cancelledBy: 'system' }))
        .then([orderCancelled({ reason: 'Carrier cannot ship to GB', cancelledBy: 'system' })]);
    });

    it('should refuse once the shipment has been created', () => {
      given(historyUntil.shipmentCreated()).when(cancelOrder()).thenThrows('CANCEL_NOT_ALLOWED');
    });

    it('should reject cancelling twice, as a cancelled order is final', () => {
      given(historyUntil.cancelled()).when(cancelOrder()).thenThrows('ORDER_FINAL');
    });

    it('should reject a confirmed order', () => {
      given(historyUntil.confirmed()).when(cancelOrder({ cancelledBy: 'system' })).thenThrows('ORDER_FINAL');
    });

    it('should reject an order that does not exist', () => {
      given([]).when(cancelOrder()).thenThrows('NOT_FOUND');
    });
  });
});
