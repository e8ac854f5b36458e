import { z } from 'zod';
import type { InventoryState } from './state';

const unitsByOrderId = z.record(z.string(), z.int().positive());

const inventorySnapshotSchema = z.object({
  schemaVersion: z.literal(1),
  state: z.object({
    sku: z.string(),
    onHand: z.int().nonnegative(),
    reservations: unitsByOrderId,
    committed: unitsByOrderId,
  }),
});

export type InventorySnapshot = z.output<typeof inventorySnapshotSchema>;

/**
 * Stock streams grow with every order, so they are read from a snapshot plus the events after it.
 * The version lets a future state shape refuse old snapshots, which are then rebuilt from events.
 */
export const inventorySnapshot = {
  schemaVersion: 1 as const,

  take: (state: InventoryState): InventorySnapshot => ({
    schemaVersion: 1,
    state: {
      sku: state.sku,
      onHand: state.onHand,
      reservations: { ...state.reservations },
      committed: { ...state.committed },
    },
  }),

  /** Throws when the stored value is not a snapshot of this version. */
  restore: (stored: unknown): InventoryState => inventorySnapshotSchema.parse(stored).state,

  isCurrent: (stored: unknown): boolean => inventorySnapshotSchema.safeParse(stored).success,
};
