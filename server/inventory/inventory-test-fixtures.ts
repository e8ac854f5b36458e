import { deciderSpec } from '../shared/decider-spec';
import type { InventoryCommand } from './commands';
import { inventoryDecider } from './decider';
import { inventoryEventDefinitions, type InventoryEvent } from './events';

export const given = deciderSpec(inventoryDecider, inventoryEventDefinitions);

export const sku = 'MUG-01';
export const now = '2025-03-01T10:00:00.000Z';

export const receiveStock = (quantity: number): InventoryCommand => ({
  type: 'ReceiveStock',
  data: { sku, quantity, now },
});

export const reserveStock = (orderId: string, quantity: number): InventoryCommand => ({
  type: 'ReserveStock',
  data: { sku, orderId, quantity, now },
});

export const releaseReservation = (orderId: string, reason = 'Order cancelled'): InventoryCommand => ({
  type: 'ReleaseReservation',
  data: { sku, orderId, reason, now },
});

export const commitReservation = (orderId: string): InventoryCommand => ({
  type: 'CommitReservation',
  data: { sku, orderId, now },
});

export const stockReceived = (quantity: number): InventoryEvent => ({
  type: 'StockReceived',
  data: { sku, quantity, receivedAt: now },
});

export const stockReserved = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'StockReserved',
  data: { sku, orderId, quantity, reservedAt: now },
});

export const stockReservationRejected = (orderId: string, requested: number, available: number): InventoryEvent => ({
  type: 'StockReservationRejected',
  data: { sku, orderId, requested, available, reason: `Out of stock: ${sku}`, rejectedAt: now },
});

export const reservationReleased = (orderId: string, quantity: number, reason = 'Order cancelled'): InventoryEvent => ({
  type: 'ReservationReleased',
  data: { sku, orderId, quantity, reason, releasedAt: now },
});

export const reservationCommitted = (orderId: string, quantity: number): InventoryEvent => ({
  type: 'ReservationCommitted',
  data: { sku, orderId, quantity, committedAt: now },
});
