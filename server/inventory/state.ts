import { assertNever } from '../shared/messages';
import type { InventoryEvent } from './events';

/** Units held per order id. */
export type UnitsByOrderId = Readonly<Record<string, number>>;

/**
 * Plain objects only: the state is stored as a JSON snapshot.
 *
 * It holds what open reservations need and nothing about orders whose units are gone (committed
 * or released), so its size follows the orders in flight on the sku, not every order it ever had.
 * A command repeated after its order's reservation closed is recognised elsewhere: by its
 * idempotency key, and for a commit by the log (see server/participants/inventory-service.ts).
 */
export type InventoryState = {
  /** Empty until the stream's first event. */
  readonly sku: string;
  readonly onHand: number;
  /** Units held by open reservations, in all (kept, so deciding never sums the reservations). */
  readonly reserved: number;
  /**
   * Open reservations, spread over up to `reservationBuckets` buckets by a hash of the order id:
   * an event copies the small bucket it touches, not every open reservation of the sku. A bucket
   * that empties is dropped, so no open reservation is `{}`.
   */
  readonly reservations: Readonly<Record<string, UnitsByOrderId>>;
};

export const reservationBuckets = 64;

export const initialState = (): InventoryState => ({ sku: '', onHand: 0, reserved: 0, reservations: {} });

/** FNV-1a over the id's UTF-16 code units: the same bucket in every process and every replay. */
export const bucketOf = (orderId: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) {
    hash ^= orderId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return String((hash >>> 0) % reservationBuckets);
};

// Own keys only, so an order id such as "constructor" never finds Object.prototype members.
const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

export const reservedFor = (state: InventoryState, orderId: string): number | undefined => {
  const bucket = own(state.reservations, bucketOf(orderId));
  return bucket ? own(bucket, orderId) : undefined;
};

/** Every open reservation in one record (for reading and tests; deciding never needs it). */
export const openReservations = (state: InventoryState): UnitsByOrderId =>
  Object.fromEntries(Object.values(state.reservations).flatMap((bucket) => Object.entries(bucket)));

/** Units that can still be promised to an order. */
export const available = (state: InventoryState): number => state.onHand - state.reserved;

/** The reservations with the order's units set (a number) or its reservation closed (undefined). */
const withReservation = (
  reservations: InventoryState['reservations'],
  orderId: string,
  quantity: number | undefined,
): InventoryState['reservations'] => {
  const key = bucketOf(orderId);
  const bucket = own(reservations, key);
  if (quantity !== undefined) return { ...reservations, [key]: { ...bucket, [orderId]: quantity } };
  if (!bucket || !Object.hasOwn(bucket, orderId)) return reservations;
  const { [orderId]: _closed, ...rest } = bucket;
  if (Object.keys(rest).length > 0) return { ...reservations, [key]: rest };
  const { [key]: _emptied, ...others } = reservations;
  return others;
};

/** The state without the order's reservation, its units no longer counted as reserved. */
const closed = (state: InventoryState, orderId: string): InventoryState => {
  const held = reservedFor(state, orderId);
  if (held === undefined) return state;
  return { ...state, reserved: state.reserved - held, reservations: withReservation(state.reservations, orderId, undefined) };
};

export const evolve = (state: InventoryState, event: InventoryEvent): InventoryState => {
  const current = state.sku === event.data.sku ? state : { ...state, sku: event.data.sku };
  switch (event.type) {
    case 'StockReceived':
      return { ...current, onHand: current.onHand + event.data.quantity };
    case 'StockReserved': {
      const { orderId, quantity } = event.data;
      const before = reservedFor(current, orderId) ?? 0;
      return {
        ...current,
        reserved: current.reserved - before + quantity,
        reservations: withReservation(current.reservations, orderId, quantity),
      };
    }
    case 'StockReservationRejected':
      return current;
    case 'ReservationReleased':
      return closed(current, event.data.orderId);
    case 'ReservationCommitted':
      return { ...closed(current, event.data.orderId), onHand: current.onHand - event.data.quantity };
    default:
      return assertNever(event);
  }
};
