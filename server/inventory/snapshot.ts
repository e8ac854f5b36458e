import { z } from 'zod';
import { bucketOf, type InventoryState } from './state';

const units = z.int().positive();
const unitsByOrderId = z.record(z.string(), units);

const inventorySnapshotV2Schema = z.object({
  schemaVersion: z.literal(2),
  state: z.object({
    sku: z.string(),
    onHand: z.int().nonnegative(),
    reserved: z.int().nonnegative(),
    reservations: z.record(z.string(), unitsByOrderId),
  }),
});

/**
 * Version 1 (until the state dropped closed orders): flat open reservations plus `committed`, a
 * record of every order whose units ever left. `committed` is not read, only dropped, so a large
 * one costs no validation.
 */
const inventorySnapshotV1Schema = z.object({
  schemaVersion: z.literal(1),
  state: z.object({
    sku: z.string(),
    onHand: z.int().nonnegative(),
    reservations: unitsByOrderId,
    committed: z.record(z.string(), z.unknown()),
  }),
});

/** Own properties only, whatever the keys (spreading or parsing may treat "__proto__" apart). */
const copyOf = (record: Readonly<Record<string, number>>): Record<string, number> => Object.fromEntries(Object.entries(record));

export type InventorySnapshot = z.output<typeof inventorySnapshotV2Schema>;

/** The v2 state of a v1 snapshot: what replaying the same events gives today. */
const fromV1 = ({ sku, onHand, reservations }: z.output<typeof inventorySnapshotV1Schema>['state']): InventoryState => {
  const buckets = new Map<string, [orderId: string, quantity: number][]>();
  let reserved = 0;
  for (const [orderId, quantity] of Object.entries(reservations)) {
    const key = bucketOf(orderId);
    const bucket = buckets.get(key);
    if (bucket) bucket.push([orderId, quantity]);
    else buckets.set(key, [[orderId, quantity]]);
    reserved += quantity;
  }
  const byBucket = [...buckets].map(([key, entries]) => [key, Object.fromEntries(entries)] as const);
  return { sku, onHand, reserved, reservations: Object.fromEntries(byBucket) };
};

/**
 * Stock streams grow with every order, so they are read from a snapshot plus the events after it.
 * The version says which shape a stored snapshot has: the current one is restored as it is, the
 * previous one is upcast, anything else is refused and the stream is folded from its start.
 */
export const inventorySnapshot = {
  schemaVersion: 2 as const,
  /** Older shapes `restore` still reads. */
  upcastsFrom: [1] as const,

  take: (state: InventoryState): InventorySnapshot => ({
    schemaVersion: 2,
    state: {
      sku: state.sku,
      onHand: state.onHand,
      reserved: state.reserved,
      reservations: Object.fromEntries(Object.entries(state.reservations).map(([key, bucket]) => [key, copyOf(bucket)])),
    },
  }),

  /**
   * Throws when the stored value is a snapshot of neither shape. The schema checks the value; the
   * state is copied from the value itself, as parsing a record would lose an order id such as
   * "__proto__".
   */
  restore: (stored: unknown): InventoryState => {
    if (inventorySnapshotV2Schema.safeParse(stored).success) {
      const { sku, onHand, reserved, reservations } = (stored as InventorySnapshot).state;
      const buckets = Object.entries(reservations).map(([key, bucket]) => [key, copyOf(bucket)] as const);
      return { sku, onHand, reserved, reservations: Object.fromEntries(buckets) };
    }
    inventorySnapshotV1Schema.parse(stored);
    return fromV1((stored as z.output<typeof inventorySnapshotV1Schema>).state);
  },

  isCurrent: (stored: unknown): boolean => inventorySnapshotV2Schema.safeParse(stored).success,
};
