import { assertNever } from '../shared/messages';
import type { InventoryEvent } from './events';

/** Plain objects only: the state is stored as a JSON snapshot. */
export type InventoryState = {
  /** Empty until the stream's first event. */
  readonly sku: string;
  readonly onHand: number;
  /** Units held per order id. */
  readonly reservations: Readonly<Record<string, number>>;
  /** Units that left the warehouse per order id; makes a repeated commit harmless. */
  readonly committed: Readonly<Record<string, number>>;
};

export const initialState = (): InventoryState => ({ sku: '', onHand: 0, reservations: {}, committed: {} });

// Own keys only, so an order id such as "constructor" never finds Object.prototype members.
const ownValue = (record: Readonly<Record<string, number>>, key: string): number | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

export const reservedFor = (state: InventoryState, orderId: string): number | undefined =>
  ownValue(state.reservations, orderId);

export const committedFor = (state: InventoryState, orderId: string): number | undefined =>
  ownValue(state.committed, orderId);

export const reserved = (state: InventoryState): number =>
  Object.values(state.reservations).reduce((sum, quantity) => sum + quantity, 0);

/** Units that can still be promised to an order. */
export const available = (state: InventoryState): number => state.onHand - reserved(state);

const without = (record: Readonly<Record<string, number>>, key: string): Record<string, number> =>
  Object.fromEntries(Object.entries(record).filter(([entryKey]) => entryKey !== key));

export const evolve = (state: InventoryState, event: InventoryEvent): InventoryState => {
  const current = { ...state, sku: event.data.sku };
  switch (event.type) {
    case 'StockReceived':
      return { ...current, onHand: current.onHand + event.data.quantity };
    case 'StockReserved':
      return {
        ...current,
        reservations: { ...current.reservations, [event.data.orderId]: event.data.quantity },
      };
    case 'StockReservationRejected':
      return current;
    case 'ReservationReleased':
      return { ...current, reservations: without(current.reservations, event.data.orderId) };
    case 'ReservationCommitted':
      return {
        ...current,
        onHand: current.onHand - event.data.quantity,
        reservations: without(current.reservations, event.data.orderId),
        committed: { ...current.committed, [event.data.orderId]: event.data.quantity },
      };
    default:
      return assertNever(event);
  }
};
