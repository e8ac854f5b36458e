import { handleCommand } from '../command-handler';
import type { RecordedEvent } from '../event-store/types';
import { inventoryDecider } from '../inventory/decider';
import type { InventoryEvent } from '../inventory/events';
import { inventorySnapshotPolicy } from '../inventory/snapshot-policy';
import { inventoryStreamId } from '../inventory/stream';
import { DomainError } from '../shared/errors';
import { injectFaults } from './faults';
import { commandOptions, type ParticipantCall, type ParticipantDeps } from './participant-call';

export type StockLine = { readonly sku: string; readonly quantity: number };

export type ReserveResult =
  | { readonly kind: 'reserved'; readonly lines: readonly StockLine[] }
  | { readonly kind: 'rejected'; readonly sku: string; readonly reason: string };

// Many orders reserve the same sku at once: losing the race is answered by deciding again.
const contention = { maxAttempts: 50 } as const;

type Recorded<T extends InventoryEvent['type']> = RecordedEvent & Extract<InventoryEvent, { type: T }>;

/**
 * The warehouse: real stock, kept by the inventory decider on one stream per sku. One call per
 * step (one latency), one command per line.
 *
 * Every answer is read from what the order's commands wrote, never from the stock as it stands
 * later, so a repeat answers as the first run did:
 * - the same attempt run again (after a crash) meets its idempotency key: nothing is written and
 *   the answer comes from the event the first run wrote, which the key hands back;
 * - a later attempt of the step decides again on the stock. An order still holding its units is
 *   reserved already. The stock keeps no record of closed reservations, so for an order whose
 *   units were released or already left, the log, read through the order's own events, tells
 *   what an earlier run did: the units it released are the answer, and a commit of this order
 *   turns the decider's refusal ("holds no reservation") into the same success.
 * A reservation closed and then reserved again under a new key would hold the units anew: the
 * saga never does that (its reserve step is over before anything is committed or released, and
 * an attempt it resumes keeps its key).
 */
export const createInventoryService = (deps: ParticipantDeps) => {
  const onSku = (sku: string) => ({
    streamId: inventoryStreamId(sku),
    decider: inventoryDecider,
    snapshot: inventorySnapshotPolicy,
    ...contention,
  });

  const ofType = <T extends InventoryEvent['type']>(events: readonly RecordedEvent[], type: T, orderId: string) =>
    events.filter((event): event is Recorded<T> => event.type === type && (event.data as { orderId?: string }).orderId === orderId);

  /**
   * The units of this order's closed reservations of the sku (committed or released), from the log:
   * found through the order's own events (correlation id index), a few dozen rows whatever the
   * stream's length. Read only when a command found nothing to do.
   */
  const closedBefore = async (sku: string, orderId: string, type: 'ReservationCommitted' | 'ReservationReleased') => {
    const [row] = await deps.sql<{ events: number; units: number }[]>`
      SELECT count(*)::int AS events, coalesce(sum((data->>'quantity')::int), 0)::int AS units FROM events
      WHERE correlation_id = ${orderId} AND stream_id = ${inventoryStreamId(sku)} AND type = ${type}
        AND data->>'orderId' = ${orderId}`;
    return row!;
  };

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
        // Reserved now or by the first run of this key, or already held (nothing written): a
        // rejection, now or by the first run, is the only other answer.
        const [rejected] = ofType(result.events, 'StockReservationRejected', call.orderId);
        if (rejected) return { kind: 'rejected', sku, reason: rejected.data.reason };
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
        // Released now, or by the first run of this key (a repeat: answered from what it wrote).
        const released = ofType(result.events, 'ReservationReleased', call.orderId);
        // Nothing held and no repeat: what an earlier attempt, under another key, released.
        if (!result.duplicate && released.length === 0) {
          releasedUnits += (await closedBefore(sku, call.orderId, 'ReservationReleased')).units;
        }
        for (const event of released) releasedUnits += event.data.quantity;
      }
      return { releasedUnits };
    },

    /** The goods leave the warehouse: on hand goes down and the reservations are used up. */
    commit: async (call: ParticipantCall, skus: readonly string[]): Promise<void> => {
      await injectFaults(deps.sql, 'inventory', deps.random, call.signal);
      for (const sku of skus) {
        call.signal.throwIfAborted();
        const options = commandOptions(call, sku);
        try {
          await handleCommand(deps.store, {
            ...onSku(sku),
            command: { type: 'CommitReservation', data: { sku, orderId: call.orderId, now: options.now } },
            ...options,
          });
        } catch (error) {
          const nothingHeld = error instanceof DomainError && error.code === 'INVALID_STATE';
          if (!nothingHeld || (await closedBefore(sku, call.orderId, 'ReservationCommitted')).events === 0) throw error;
        }
      }
    },
  };
};

export type InventoryService = ReturnType<typeof createInventoryService>;
