import { describe, expect, it } from 'vitest';
import { inventorySnapshotPolicy } from './snapshot-policy';
import { reservationCommitted, reservationReleased, stockReceived, stockReserved } from './inventory-test-fixtures';
import { inventorySnapshot } from './snapshot';
import { evolve, initialState } from './state';

const events = [
  stockReceived(10),
  stockReserved('ord-1', 3),
  stockReserved('ord-2', 1),
  reservationCommitted('ord-2', 1),
  stockReserved('ord-3', 2),
  stockReserved('__proto__', 1),
  reservationReleased('ord-3', 2),
];
const state = events.reduce(evolve, initialState());

/** What version 1 stored for the same events: flat open reservations and every committed order. */
const storedV1 = {
  schemaVersion: 1,
  state: { sku: 'MUG-01', onHand: 9, reservations: JSON.parse('{ "ord-1": 3, "__proto__": 1 }'), committed: { 'ord-2': 1 } },
};

describe('Inventory', () => {
  describe('When snapshotted', () => {
    it('should restore the same state after a trip through JSON', () => {
      const stored: unknown = JSON.parse(JSON.stringify(inventorySnapshot.take(state)));
      expect(inventorySnapshot.restore(stored)).toEqual(state);
    });

    it('should not share objects with the live state', () => {
      const snapshot = inventorySnapshot.take(state);
      expect(snapshot.state.reservations).not.toBe(state.reservations);
      for (const [key, bucket] of Object.entries(snapshot.state.reservations)) expect(bucket).not.toBe(state.reservations[key]);
    });

    it('should refuse a snapshot of another version or shape', () => {
      const snapshot = inventorySnapshot.take(state);
      expect(inventorySnapshot.isCurrent(snapshot)).toBe(true);
      expect(inventorySnapshot.isCurrent({ ...snapshot, schemaVersion: 3 })).toBe(false);
      expect(() => inventorySnapshot.restore({ ...snapshot, schemaVersion: 3 })).toThrow();
      expect(() => inventorySnapshot.restore({ schemaVersion: 1, state: { sku: 'MUG-01' } })).toThrow();
      expect(() => inventorySnapshot.restore({ schemaVersion: 2, state: { sku: 'MUG-01', onHand: 1, reservations: {} } })).toThrow();
    });
  });

  describe('When a snapshot stored in the version 1 shape is read', () => {
    it('should load it as the state its events replay to, keeping the open reservations and dropping the committed orders', () => {
      expect(inventorySnapshot.isCurrent(storedV1)).toBe(false);
      expect(inventorySnapshot.restore(JSON.parse(JSON.stringify(storedV1)))).toEqual(state);
    });

    it('should go on from there as the events do', () => {
      const later = [stockReserved('ord-4', 2), reservationCommitted('ord-1', 3), reservationReleased('__proto__', 1)];
      expect(later.reduce(evolve, inventorySnapshot.restore(storedV1))).toEqual([...events, ...later].reduce(evolve, initialState()));
    });

    it('should be read by the snapshot policy, which writes version 2 from then on', () => {
      expect(inventorySnapshotPolicy.schemaVersion).toBe(2);
      expect(inventorySnapshotPolicy.upcastsFrom).toEqual([1]);
      expect(inventorySnapshotPolicy.take(inventorySnapshotPolicy.restore(storedV1))).toMatchObject({ schemaVersion: 2 });
    });
  });
});
