import { DomainError } from '../shared/errors';
import { requireIsoDateTime, requirePositiveWholeNumber, requireText } from '../shared/domain-guards';
import { assertNever, type Decider } from '../shared/messages';
import type {
  CommitReservation,
  InventoryCommand,
  ReceiveStock,
  ReleaseReservation,
  ReserveStock,
} from './commands';
import type { InventoryEvent } from './events';
import { available, evolve, initialState, reservedFor, type InventoryState } from './state';

const receiveStock = ({ data }: ReceiveStock): InventoryEvent[] => {
  requirePositiveWholeNumber(data.quantity, ['quantity'], 'Quantity');
  return [{ type: 'StockReceived', data: { sku: data.sku, quantity: data.quantity, receivedAt: data.now } }];
};

const reserveStock = ({ data }: ReserveStock, state: InventoryState): InventoryEvent[] => {
  requireText(data.orderId, ['orderId'], 'Order id');
  requirePositiveWholeNumber(data.quantity, ['quantity'], 'Quantity');
  // The state knows open reservations only: a repeat after the order's units left is stopped by
  // the repeat's idempotency key (the saga re-runs an attempt under the same key), not here.
  const held = reservedFor(state, data.orderId);
  if (held === data.quantity) return [];
  if (held !== undefined) {
    throw new DomainError(
      'CONFLICT',
      `Order ${data.orderId} already holds ${held} of ${data.sku}; release that before reserving ${data.quantity}`,
      { path: ['quantity'], orderId: data.orderId, reserved: held, requested: data.quantity },
    );
  }

  const free = available(state);
  if (data.quantity > free) {
    return [
      {
        type: 'StockReservationRejected',
        data: {
          sku: data.sku,
          orderId: data.orderId,
          requested: data.quantity,
          available: free,
          reason: `Out of stock: ${data.sku}`,
          rejectedAt: data.now,
        },
      },
    ];
  }
  return [
    {
      type: 'StockReserved',
      data: { sku: data.sku, orderId: data.orderId, quantity: data.quantity, reservedAt: data.now },
    },
  ];
};

const releaseReservation = ({ data }: ReleaseReservation, state: InventoryState): InventoryEvent[] => {
  requireText(data.reason, ['reason'], 'Release reason');
  const held = reservedFor(state, data.orderId);
  if (held === undefined) return [];
  return [
    {
      type: 'ReservationReleased',
      data: { sku: data.sku, orderId: data.orderId, quantity: held, reason: data.reason, releasedAt: data.now },
    },
  ];
};

/**
 * Refused when the order holds nothing here, also when its units already left: the state keeps no
 * record of closed orders. The inventory service tells that repeat apart by the log.
 */
const commitReservation = ({ data }: CommitReservation, state: InventoryState): InventoryEvent[] => {
  const held = reservedFor(state, data.orderId);
  if (held === undefined) {
    throw new DomainError(
      'INVALID_STATE',
      `Order ${data.orderId} holds no reservation of ${data.sku} to commit`,
      { sku: data.sku, orderId: data.orderId },
    );
  }
  return [
    {
      type: 'ReservationCommitted',
      data: { sku: data.sku, orderId: data.orderId, quantity: held, committedAt: data.now },
    },
  ];
};

export const decide = (command: InventoryCommand, state: InventoryState): InventoryEvent[] => {
  requireText(command.data.sku, ['sku'], 'SKU');
  requireIsoDateTime(command.data.now, ['now'], 'The current time');
  switch (command.type) {
    case 'ReceiveStock':
      return receiveStock(command);
    case 'ReserveStock':
      return reserveStock(command, state);
    case 'ReleaseReservation':
      return releaseReservation(command, state);
    case 'CommitReservation':
      return commitReservation(command, state);
    default:
      return assertNever(command);
  }
};

export const inventoryDecider: Decider<InventoryCommand, InventoryEvent, InventoryState> = {
  initialState,
  evolve,
  decide,
};
