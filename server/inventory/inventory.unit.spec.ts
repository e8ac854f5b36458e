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
import { decide } from './decider';
import { inventorySnapshot } from './snapshot';
import { available, bucketOf, evolve, initialState, openReservations, reservationBuckets, type InventoryState } from './state';
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

    it('should count committed units as gone from what is available', () => {
      given([stockReceived(5), stockReserved('ord-1', 2), reservationCommitted('ord-1', 2)])
        .when(reserveStock('ord-2', 4))
        .then([stockReservationRejected('ord-2', 4, 3)]);
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

    it('should refuse a reservation that was committed already, writing nothing twice', () => {
      // The state keeps no closed orders; the inventory service tells this repeat apart by the log.
      given([stockReceived(5), stockReserved('ord-1', 2), reservationCommitted('ord-1', 2)])
        .when(commitReservation('ord-1'))
        .thenThrows('INVALID_STATE', { orderId: 'ord-1' });
    });
  });

  describe('When its events are replayed', () => {
    const replay = (events: InventoryEvent[]) => events.reduce(evolve, initialState());

    it('should subtract reserved units from what is available', () => {
      const state = replay([stockReceived(10), stockReserved('ord-1', 3), stockReserved('ord-2', 4)]);
      expect(state).toMatchObject({ sku: 'MUG-01', onHand: 10, reserved: 7 });
      expect(openReservations(state)).toEqual({ 'ord-1': 3, 'ord-2': 4 });
      expect(available(state)).toBe(3);
    });

    it('should lower on hand and drop the reservation when committed', () => {
      const state = replay([stockReceived(10), stockReserved('ord-1', 3), reservationCommitted('ord-1', 3)]);
      expect(state).toEqual({ sku: 'MUG-01', onHand: 7, reserved: 0, reservations: {} });
      expect(available(state)).toBe(7);
    });

    it('should leave the stock untouched by a rejected reservation', () => {
      const state = replay([stockReceived(1), stockReservationRejected('ord-1', 2, 1)]);
      expect(available(state)).toBe(1);
    });
  });

  describe('When many orders have come and gone', () => {
    const history = (orders: number): InventoryEvent[] =>
      [stockReceived(orders * 2)].concat(
        Array.from({ length: orders }, (_, i) => [
          stockReserved(`ord-${i}`, 2),
          i % 4 === 0 ? reservationReleased(`ord-${i}`, 2) : reservationCommitted(`ord-${i}`, 2),
        ]).flat(),
      );

    it('should keep nothing of the orders whose reservations closed', () => {
      const state = history(1000).reduce(evolve, initialState());
      expect(state).toEqual({ sku: 'MUG-01', onHand: 2000 - 750 * 2, reserved: 0, reservations: {} });
    });

    it('should be as large after a thousand orders as after ten', () => {
      const size = (orders: number) => JSON.stringify({ ...history(orders).reduce(evolve, initialState()), onHand: 0 }).length;
      expect(size(1000)).toBe(size(10));
    });

    it('should still reserve, release and commit the orders that hold units', () => {
      const open = [...history(200), stockReserved('ord-open', 3)];
      given(open).when(reserveStock('ord-open', 3)).thenNothingHappens();
      given(open).when(releaseReservation('ord-open')).then([reservationReleased('ord-open', 3)]);
      given(open).when(commitReservation('ord-open')).then([reservationCommitted('ord-open', 3)]);
    });
  });

  describe('When many reservations are open', () => {
    const opened = (orders: number) =>
      Array.from({ length: orders }, (_, i) => stockReserved(`ord-${i}`, 1 + (i % 3))).reduce(evolve, evolve(initialState(), stockReceived(10_000)));

    it('should copy only the bucket the event touches and share every other one', () => {
      const before = opened(1000);
      for (const event of [stockReserved('ord-new', 2), reservationReleased('ord-7', 2), reservationCommitted('ord-8', 3)]) {
        const after = evolve(before, event);
        const touched = bucketOf((event.data as { orderId: string }).orderId);
        for (const key of Object.keys(before.reservations)) {
          if (key !== touched) expect(after.reservations[key], key).toBe(before.reservations[key]);
        }
        expect(after.reservations[touched]).not.toBe(before.reservations[touched]);
      }
    });

    it('should spread the orders over the buckets so that no bucket holds many', () => {
      const sizes = Object.values(opened(1000).reservations).map((bucket) => Object.keys(bucket).length);
      expect(sizes).toHaveLength(reservationBuckets);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(3 * Math.ceil(1000 / reservationBuckets));
    });

    it('should keep the reserved total equal to the sum of the open reservations', () => {
      const state = [reservationReleased('ord-1', 2), reservationCommitted('ord-2', 3), stockReserved('ord-3', 2)].reduce(evolve, opened(300));
      const sum = Object.values(openReservations(state)).reduce((n, units) => n + units, 0);
      expect(state.reserved).toBe(sum);
      expect(available(state)).toBe(state.onHand - sum);
    });

    it('should treat order ids named like members of every object as any other id', () => {
      const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
      const held = ids.map((id) => stockReserved(id, 1));
      given([stockReceived(5), ...held]).when(reserveStock('__proto__', 1)).thenNothingHappens();
      given([stockReceived(5), ...held]).when(commitReservation('constructor')).then([reservationCommitted('constructor', 1)]);
      given([stockReceived(5)]).when(commitReservation('toString')).thenThrows('INVALID_STATE');
      const state = [...held, reservationCommitted('__proto__', 1)].reduce(evolve, evolve(initialState(), stockReceived(5)));
      expect(openReservations(state)).toEqual({ constructor: 1, toString: 1, hasOwnProperty: 1 });
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    });
  });

  describe('When a stream is replayed from its events or from a snapshot', () => {
    /** Commands at random (seeded) through decide and evolve, as the command handler runs them. */
    const run = (seed: number, commands: number) => {
      let next = seed;
      const random = (n: number) => {
        next = (Math.imul(next, 1103515245) + 12345) >>> 0;
        return (next >>> 8) % n;
      };
      let state = initialState();
      const events: InventoryEvent[] = [];
      const states: InventoryState[] = [state];
      for (let i = 0; i < commands; i++) {
        const orderId = `ord-${random(40)}`;
        const command = [receiveStock(1 + random(5)), reserveStock(orderId, 1 + random(3)), releaseReservation(orderId), commitReservation(orderId)][random(4)]!;
        let decided: InventoryEvent[] = [];
        try {
          decided = decide(command, state);
        } catch {
          continue; // a refusal writes nothing
        }
        for (const event of decided) {
          state = evolve(state, event);
          events.push(event);
          states.push(state);
        }
      }
      return { events, states };
    };

    it('should give the state it had after each event, whether folded from the start or from a snapshot of any earlier point', () => {
      const { events, states } = run(7, 600);
      expect(events.length).toBeGreaterThan(300);
      for (let at = 0; at <= events.length; at += 13) {
        const snapshot = inventorySnapshot.restore(JSON.parse(JSON.stringify(inventorySnapshot.take(states[at]!))));
        expect(events.slice(at).reduce(evolve, snapshot)).toEqual(states[states.length - 1]);
        expect(events.slice(0, at).reduce(evolve, initialState())).toEqual(states[at]);
      }
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
