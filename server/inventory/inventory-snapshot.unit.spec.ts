import { describe, expect, it } from 'vitest';
import { stockReceived, stockReserved, reservationCommitted } from './inventory-test-fixtures';
import { inventorySnapshot } from './snapshot';
import { evolve, initialState } from './state';

const state = [stockReceived(10), stockReserved('ord-1', 3), stockReserved('ord-2', 1), reservationCommitted('ord-2', 1)]
  .reduce(evolve, initialState());

describe('Inventory', () => {
  describe('When snapshotted', () => {
    it('should restore the same state after a trip through JSON', () => {
      const stored: unknown = JSON.parse(JSON.stringify(inventorySnapshot.take(state)));
      expect(inventorySnapshot.restore(stored)).toEqual(state);
    });

    it('should not share objects with the live state', () => {
      const snapshot = inventorySnapshot.take(state);
      expect(snapshot.state.reservations).not.toBe(state.reservations);
    });

    it('should refuse a snapshot of another version or shape', () => {
      const snapshot = inventorySnapshot.take(state);
      expect(inventorySnapshot.isCurrent({ ...snapshot, schemaVersion: 2 })).toBe(false);
      expect(() => inventorySnapshot.restore({ schemaVersion: 1, state: { sku: 'MUG-01' } })).toThrow();
    });
  });
});
