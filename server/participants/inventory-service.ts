import { handleCommand } from '../command-handler';
import { inventoryDecider } from '../inventory/decider';
import { inventorySnapshotPolicy } from '../inventory/snapshot-policy';
import { committedFor, reservedFor } from '../inventory/state';
import { inventoryStreamId } from '../inventory/stream';
import { injectFaults } from './faults';
import { commandOptions, type ParticipantCall, type ParticipantDeps } from './participant-call';

export type StockLine = { readonly sku: string; readonly quantity: number };

export type ReserveResult =
  | { readonly kind: 'reserved'; readonly lines: readonly StockLine[] }
  | { readonly kind: 'rejected'; readonly sku: string; readonly reason: string };

// Many orders reserve the same sku at once: losing the race is answered by deciding again.
const contention = { maxAttempts: 50 } as const;

/**
 * The warehouse: real stock, kept by the inventory decider on one stream per sku. One call per
 * step (one latency), one command per line.
 */
export const createInventoryService = (deps: ParticipantDeps) => {
  const onSku = (sku: string) => ({
    streamId: inventoryStreamId(sku),
    decider: inventoryDecider,
    snapshot: inventorySnapshotPolicy,
    ...contention,
  });

  return {
    /** Holds every line, in order; stops at the first line that is short. */
    reserve: async (call: ParticipantCall, lines: readonly StockLine[]): Promise<ReserveResult> => {
      await injectFaults(deps.sql, 'inventory', deps.random, call.signal);
      for (const { sku, quantity } of lines) {
        call.signal.throwIfAborted();
        const options = commandOptions(call, sku);
        const result = await handleCommand(deps.store, {
          ...onSku(sku),
          command: { type: 'ReserveStock', data: { sku, orderId: call.orderId, quantity, now: options.now } },
          ...options,
        });
        const held = reservedFor(result.state, call.orderId) === quantity || committedFor(result.state, call.orderId) !== undefined;
        if (!held) {
          const rejected = result.events.find((event) => event.type === 'StockReservationRejected');
          const reason = (rejected?.data as { reason?: string } | undefined)?.reason ?? `Out of stock: ${sku}`;
          return { kind: 'rejected', sku, reason };
        }
      }
      return { kind: 'reserved', lines };
    },

    /** Gives back whatever the order holds of these skus; lines it does not hold are left alone. */
    release: async (call: ParticipantCall, skus: readonly string[], reason: string): Promise<{ releasedUnits: number }> => {
      await injectFaults(deps.sql, 'inventory', deps.random, call.signal);
      let releasedUnits = 0;
      for (const sku of skus) {
        call.signal.throwIfAborted();
        const options = commandOptions(call, sku);
        const result = await handleCommand(deps.store, {
          ...onSku(sku),
          command: { type: 'ReleaseReservation', data: { sku, orderId: call.orderId, reason, now: options.now } },
          ...options,
        });
        for (const event of result.events) {
          if (event.type === 'ReservationReleased') releasedUnits += (event.data as { quantity: number }).quantity;
        }
      }
      return { releasedUnits };
    },

    /** The goods leave the warehouse: on hand goes down and the reservations are used up. */
    commit: async (call: ParticipantCall, skus: readonly string[]): Promise<void> => {
      await injectFaults(deps.sql, 'inventory', deps.random, call.signal);
      for (const sku of skus) {
        call.signal.throwIfAborted();
        const options = commandOptions(call, sku);
        await handleCommand(deps.store, {
          ...onSku(sku),
          command: { type: 'CommitReservation', data: { sku, orderId: call.orderId, now: options.now } },
          ...options,
        });
      }
    },
  };
};

export type InventoryService = ReturnType<typeof createInventoryService>;
