import type { InventoryEvent } from '../inventory/events';
import { defineProjection } from './projection';

type Delta = { onHand: number; reserved: number; position: number };

const deltaOf = (event: InventoryEvent): { onHand: number; reserved: number } | undefined => {
  switch (event.type) {
    case 'StockReceived':
      return { onHand: event.data.quantity, reserved: 0 };
    case 'StockReserved':
      return { onHand: 0, reserved: event.data.quantity };
    case 'ReservationReleased':
      return { onHand: 0, reserved: -event.data.quantity };
    case 'ReservationCommitted':
      return { onHand: -event.data.quantity, reserved: -event.data.quantity };
    case 'StockReservationRejected':
      return undefined;
  }
};

/** Stock per sku for the order form and the operations page. Set-based: one upsert per batch. */
export const inventoryLevelsProjection = defineProjection({
  name: 'inventory-levels',
  kind: 'async',
  description: 'On hand, reserved and available stock per sku',
  eventTypes: ['StockReceived', 'StockReserved', 'ReservationReleased', 'ReservationCommitted'],
  tables: ['inventory_levels'],
  apply: async (tx, events) => {
    const bySku = new Map<string, Delta>();
    for (const recorded of events) {
      const event = recorded as unknown as InventoryEvent;
      const delta = deltaOf(event);
      if (!delta) continue;
      const current = bySku.get(event.data.sku) ?? { onHand: 0, reserved: 0, position: 0 };
      bySku.set(event.data.sku, {
        onHand: current.onHand + delta.onHand,
        reserved: current.reserved + delta.reserved,
        position: recorded.position,
      });
    }
    if (bySku.size === 0) return;
    const skus = [...bySku.keys()];
    const deltas = [...bySku.values()];
    await tx`
      INSERT INTO inventory_levels (sku, on_hand, reserved, available, last_position)
      SELECT sku, on_hand, reserved, on_hand - reserved, last_position
      FROM unnest(${skus}::text[], ${deltas.map((d) => d.onHand)}::int[], ${deltas.map((d) => d.reserved)}::int[],
                  ${deltas.map((d) => d.position)}::bigint[]) AS d(sku, on_hand, reserved, last_position)
      ON CONFLICT (sku) DO UPDATE SET
        on_hand = inventory_levels.on_hand + EXCLUDED.on_hand,
        reserved = inventory_levels.reserved + EXCLUDED.reserved,
        available = (inventory_levels.on_hand + EXCLUDED.on_hand) - (inventory_levels.reserved + EXCLUDED.reserved),
        last_position = EXCLUDED.last_position`;
  },
});
