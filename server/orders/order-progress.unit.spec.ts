import { describe, expect, it } from 'vitest';
import {
  confirmOrder,
  given,
  historyUntil,
  markInventoryReserved,
  markPaid,
  markShipmentCreated,
  orderConfirmed,
  orderInventoryReserved,
  orderPaid,
  orderShipmentCreated,
} from './order-test-fixtures';

describe('Order', () => {
  describe('When inventory is reserved', () => {
    it('should record the reservation of a placed order', () => {
      given(historyUntil.placed()).when(markInventoryReserved()).then([orderInventoryReserved()]);
    });

    it('should change nothing when the inventory is already reserved', () => {
      given(historyUntil.inventoryReserved()).when(markInventoryReserved()).thenNothingHappens();
    });

    it('should change nothing when the order has already moved past that step', () => {
      given(historyUntil.paid()).when(markInventoryReserved()).thenNothingHappens();
    });

    it('should reject an order that does not exist', () => {
      given([]).when(markInventoryReserved()).thenThrows('NOT_FOUND', { id: 'ord-1001' });
    });

    it('should reject an order that is being cancelled', () => {
      given(historyUntil.cancelling()).when(markInventoryReserved()).thenThrows('INVALID_STATE');
    });

    it('should reject a cancelled order', () => {
      given(historyUntil.cancelled()).when(markInventoryReserved()).thenThrows('ORDER_FINAL');
    });
  });

  describe('When paid', () => {
    it('should record the payment once the inventory is reserved', () => {
      given(historyUntil.inventoryReserved()).when(markPaid()).then([orderPaid()]);
    });

    it('should reject a payment before the inventory is reserved', () => {
      const error = given(historyUntil.placed()).when(markPaid()).thenThrows('INVALID_STATE', { status: 'placed' });
      expect(error.message).toBe(
        'Order ord-1001 is placed and cannot be marked as paid yet: it must have its inventory reserved first',
      );
    });

    it('should change nothing when the order is already paid', () => {
      given(historyUntil.paid()).when(markPaid()).thenNothingHappens();
    });

    it.each([0, -100, 12.5])('should reject an amount of %s cents', (amountCents) => {
      given(historyUntil.inventoryReserved())
        .when(markPaid({ amountCents }))
        .thenThrows('VALIDATION', { path: ['amountCents'] });
    });

    it('should reject a payment while the order is being cancelled', () => {
      given(historyUntil.cancelling()).when(markPaid()).thenThrows('INVALID_STATE', { status: 'cancelling' });
    });

    it('should reject an order that does not exist', () => {
      given([]).when(markPaid()).thenThrows('NOT_FOUND');
    });
  });

  describe('When the shipment is created', () => {
    it('should record the shipment of a paid order', () => {
      given(historyUntil.paid()).when(markShipmentCreated()).then([orderShipmentCreated()]);
    });

    it('should reject a shipment before the order is paid', () => {
      given(historyUntil.inventoryReserved()).when(markShipmentCreated()).thenThrows('INVALID_STATE');
    });

    it('should reject a shipment of an order that was only placed', () => {
      given(historyUntil.placed()).when(markShipmentCreated()).thenThrows('INVALID_STATE');
    });

    it('should change nothing when the shipment is already recorded', () => {
      given(historyUntil.shipmentCreated()).when(markShipmentCreated()).thenNothingHappens();
    });

    it('should reject a shipment while the order is being cancelled', () => {
      given(historyUntil.cancelling()).when(markShipmentCreated()).thenThrows('INVALID_STATE');
    });

    it('should reject a confirmed order', () => {
      given(historyUntil.confirmed()).when(markShipmentCreated()).thenThrows('ORDER_FINAL');
    });

    it('should reject an empty tracking number', () => {
      given(historyUntil.paid())
        .when(markShipmentCreated({ trackingNumber: '' }))
        .thenThrows('VALIDATION', { path: ['trackingNumber'] });
    });
  });

  describe('When confirmed', () => {
    it('should confirm an order whose shipment is created', () => {
      given(historyUntil.shipmentCreated()).when(confirmOrder()).then([orderConfirmed()]);
    });

    it('should reject confirming before the shipment is created', () => {
      given(historyUntil.paid()).when(confirmOrder()).thenThrows('INVALID_STATE', { status: 'paid' });
    });

    it('should reject confirming again, as a confirmed order is final', () => {
      given(historyUntil.confirmed()).when(confirmOrder()).thenThrows('ORDER_FINAL', { status: 'confirmed' });
    });

    it('should reject confirming a cancelled order', () => {
      given(historyUntil.cancelled()).when(confirmOrder()).thenThrows('ORDER_FINAL', { status: 'cancelled' });
    });

    it('should reject an order that does not exist', () => {
      given([]).when(confirmOrder()).thenThrows('NOT_FOUND');
    });
  });
});
