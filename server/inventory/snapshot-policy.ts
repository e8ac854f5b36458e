import type { SnapshotPolicy } from '../event-store/snapshots';
import { inventorySnapshot } from './snapshot';
import type { InventoryState } from './state';

/** A sku's stream grows with every order: load it from a snapshot taken every 50 versions. */
export const inventorySnapshotPolicy: SnapshotPolicy<InventoryState> = {
  every: 50,
  schemaVersion: inventorySnapshot.schemaVersion,
  upcastsFrom: inventorySnapshot.upcastsFrom,
  take: inventorySnapshot.take,
  restore: inventorySnapshot.restore,
};
