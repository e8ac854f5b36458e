import type { RouterInputs, RouterOutputs } from '@/server/root';

export type { RouterInputs, RouterOutputs };

export type OrderList = RouterOutputs['orders']['list'];
export type OrderSummary = OrderList['items'][number];
export type OrderById = RouterOutputs['orders']['byId'];
export type OrderTimeline = RouterOutputs['orders']['timeline'];
export type TimelineEvent = OrderTimeline['events'][number];
export type OrderStateAt = RouterOutputs['orders']['stateAt'];
export type DashboardStats = RouterOutputs['stats']['dashboard'];
export type EventPage = RouterOutputs['events']['list'];
export type RecordedEvent = EventPage['items'][number];
export type ProjectionStatus = RouterOutputs['projections']['status'];
export type Product = RouterOutputs['catalog']['list']['items'][number];
export type Customer = RouterOutputs['customers']['list']['items'][number];
export type LiveChangesInput = RouterInputs['live']['changes'];
export type OrderListInput = RouterInputs['orders']['list'];

/** The order statuses the list filter accepts (from the procedure's input type). */
export type OrderStatus = NonNullable<OrderListInput['status']>;
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'placed',
  'inventory_reserved',
  'paid',
  'shipment_created',
  'confirmed',
  'cancelling',
  'cancelled',
];
