import { describe, expect, it } from 'vitest';
import {
  commitReservation,
  given,
  now,
  receiveStock,
  releaseReservation,
  reservationCommitted,
  reservationReleased,
  reserveStock,
  stockReceived,
  stockReservationRejected,
  stockReserved,
} from './inventory-test-fixtures';
import { available, evolve, initialState } from './state';
import { inventoryStreamId, skuFromInventoryStreamId } from './stream';
import type { InventoryEvent } from './events';

describe('Inventory', () => {
  describe('When stock is received', () => {
    it('should record the received units', () => {
      given([]).when(receiveStock(20)).then([stockReceived(20)]);
    });

    it.each([0, -3, 2.5])('should reject a quantity of %s', (quantity) => {
      given([]).when(receiveStock(quantity)).thenThrows('VALIDATION', { path: ['quantity'] });
    });

    it('should reject an empty sku', () => {
      given([])
        .when({ type: 'ReceiveStock', data: { sku: '', quantity: 1, now } })
        .thenThrows('VALIDATION', { path: ['sku'] });
    });

    it('should reject a current time that is not an ISO-8601 date-time', () => {
      given([])
        .when({ type: 'ReceiveStock', data: { sku: 'MUG-01', quantity: 1, now: 'yesterday' } })
        .thenThrows('VALIDATION', { path: ['now'] });
    });
  });

  describe('When stock is reserved', () => {
    it('should reserve units that are available', () => {
      given([stockReceived(5)]).when(reserveStock('ord-1', 5)).then([stockReserved('ord-1', 5)]);
    });

    it('should reject, as an event, a reservation larger than what is available', () => {
      given([stockReceived(5), stockReserved('ord-1', 3)])
        .when(reserveStock('ord-2', 3))
        .then([stockReservationRejected('ord-2', 3, 2)]);
    });

    it('should reject a reservation of a sku that never had stock', () => {
      given([]).when(reserveStock('ord-1', 1)).then([stockReservationRejected('ord-1', 1, 0)]);
    });

    it('should count released units as available again', () => {
      given([stockReceived(3), stockReserved('ord-1', 3), reservationReleased('ord-1', 3)])
        .when(reserveStock('ord-2', 3))
        .then([stockReserved('ord-2', 3)]);
    });

    it('should change nothing when the order already holds the same quantity', () => {
      given([stockReceived(5), stockReserved('ord-1', 2)]).when(reserveStock('ord-1', 2)).thenNothingHappens();
    });

    it('should refuse a different quantity for an order that already holds units', () => {
      given([stockReceived(5), stockReserved('ord-1', 2)])
        .when(reserveStock('ord-1', 3))
        .thenThrows('CONFLICT', { orderId: 'ord-1', reserved: 2, requested: 3 });
    });

    it('should change nothing when the order’s units have already left the warehouse', () => {
      given([stockReceived(5), stockReserved('ord-1', 2), reservationCommitted('ord-1', 2)])
        .when(reserveStock('ord-1', 2))
        .thenNothingHappens();
    });

    it.each([0, -1, 1.5])('should reject a quantity of %s', (quantity) => {
      given([stockReceived(5)]).when(reserveStock('ord-1', quantity)).thenThrows('VALIDATION', { path: ['quantity'] });
    });
  });

  describe('When a reservation is released', () => {
    it('should release all units the order holds, with the reason', () => {
      given([stockReceived(5), stockReserved('ord-1', 2)])
        .when(releaseReservation('ord-1', 'Payment declined'))
        .then([reservationReleased('ord-1', 2, 'Payment declined')]);
    });

    it('should change nothing when the order holds no reservation', () => {
      given([stockReceived(5)]).when(releaseReservation('ord-1')).thenNothingHappens();
    });

    it('should change nothing when the reservation was already released', () => {
      given([stockReceived(5), stockReserved('ord-1', 2), reservationReleased('ord-1', 2)])
        .when(releaseReservation('ord-1'))
        .thenNothingHappens();
    });

    it('should reject an empty reason', () => {
      given([stockReceived(5), stockReserved('ord-1', 2)])
        .when(releaseReservation('ord-1', ''))
        .thenThrows('VALIDATION', { path: ['reason'] });
    });
  });

  describe('When a reservation is committed', () => {
    it('should commit the units the order holds', () => {
      given([stockReceived(5), stockReserved('ord-1', 2)])
        .when(commitReservation('ord-1'))
        .then([reservationCommitted('ord-1', 2)]);
    });

    it('should refuse an order that holds no reservation', () => {
      given([stockReceived(5)]).when(commitReservation('ord-1')).thenThrows('INVALID_STATE', { orderId: 'ord-1' });
    });

    it('should refuse a reservation that was released', () => {
      given([stockReceived(5), stockReserved('ord-1', 2), reservationReleased('ord-1', 2)])
        .when(commitReservation('ord-1'))
        .thenThrows('INVALID_STATE');
    });

    it('should change nothing when the reservation is already committed', () => {
      given([stockReceived(5), stockReserved('ord-1', 2), reservationCommitted('ord-1', 2)])
        .when(commitReservation('ord-1'))
        .thenNothingHappens();
    });
  });

  describe('When its events are replayed', () => {
    const replay = (events: InventoryEvent[]) => events.reduce(evolve, initialState());

    it('should subtract reserved units from what is available', () => {
      const state = replay([stockReceived(10), stockReserved('ord-1', 3), stockReserved('ord-2', 4)]);
      expect(state).toMatchObject({ sku: 'MUG-01', onHand: 10, reservations: { 'ord-1': 3, 'ord-2': 4 } });
      expect(available(state)).toBe(3);
    });

    it('should lower on hand and drop the reservation when committed', () => {
      const state = replay([stockReceived(10), stockReserved('ord-1', 3), reservationCommitted('ord-1', 3)]);
      expect(state).toEqual({ sku: 'MUG-01', onHand: 7, reservations: {}, committed: { 'ord-1': 3 } });
      expect(available(state)).toBe(7);
    });

    it('should leave the stock untouched by a rejected reservation', () => {
      const state = replay([stockReceived(1), stockReservationRejected('ord-1', 2, 1)]);
      expect(available(state)).toBe(1);
    });
  });

  describe('When its stream is named', () => {
    it('should use one stream per sku', () => {
      expect(inventoryStreamId('MUG-01')).toBe('inventory-MUG-01');
      expect(skuFromInventoryStreamId('inventory-MUG-01')).toBe('MUG-01');
      expect(skuFromInventoryStreamId('order-ord-1')).toBeNull();
    });
  });
});
