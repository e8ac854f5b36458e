import type { Command } from '../shared/messages';

export type ReceiveStock = Command<
  'ReceiveStock',
  { readonly sku: string; readonly quantity: number; readonly now: string }
>;

export type ReserveStock = Command<
  'ReserveStock',
  { readonly sku: string; readonly orderId: string; readonly quantity: number; readonly now: string }
>;

export type ReleaseReservation = Command<
  'ReleaseReservation',
  { readonly sku: string; readonly orderId: string; readonly reason: string; readonly now: string }
>;

/** The goods left the warehouse: on hand goes down and the reservation is used up. */
export type CommitReservation = Command<
  'CommitReservation',
  { readonly sku: string; readonly orderId: string; readonly now: string }
>;

export type InventoryCommand = ReceiveStock | ReserveStock | ReleaseReservation | CommitReservation;

export type InventoryCommandType = InventoryCommand['type'];
