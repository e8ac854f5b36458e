import { assertNever } from '../shared/messages';
import type { CancelledBy } from './commands';
import type { OrderEvent, OrderLine, ShippingAddress } from './events';

export type OrderStatus =
  | 'none'
  | 'placed'
  | 'inventory_reserved'
  | 'paid'
  | 'shipment_created'
  | 'confirmed'
  | 'cancelling'
  | 'cancelled';

export type ExistingOrderStatus = Exclude<OrderStatus, 'none'>;
export type FinalOrderStatus = Extract<OrderStatus, 'confirmed' | 'cancelled'>;

export type OrderPayment = { readonly paymentId: string; readonly amountCents: number; readonly paidAt: string };

export type OrderShipment = {
  readonly shipmentId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly shippedAt: string;
};

export type OrderCancellation = {
  readonly reason: string;
  /** Null when the system cancelled without a customer request. */
  readonly requestedAt: string | null;
  readonly cancelledBy: CancelledBy | null;
  readonly cancelledAt: string | null;
};

export type ExistingOrder = {
  readonly status: ExistingOrderStatus;
  readonly orderId: string;
  readonly customerId: string;
  readonly customerName: string;
  readonly lines: readonly OrderLine[];
  readonly shippingAddress: ShippingAddress;
  /** Needed to charge the customer; views must not expose it. */
  readonly paymentToken: string;
  readonly totalCents: number;
  readonly itemCount: number;
  readonly inventoryReservedAt: string | null;
  readonly payment: OrderPayment | null;
  readonly shipment: OrderShipment | null;
  readonly confirmedAt: string | null;
  readonly cancellation: OrderCancellation | null;
  readonly placedAt: string;
  readonly updatedAt: string;
};

export type OrderState = { readonly status: 'none' } | ExistingOrder;

export const initialState = (): OrderState => ({ status: 'none' });

export const isFinalStatus = (status: OrderStatus): status is FinalOrderStatus =>
  status === 'confirmed' || status === 'cancelled';

/** Customers may cancel until the parcel exists; afterwards it would be a return. */
export const canRequestCancellation = (state: OrderState): boolean =>
  state.status === 'placed' || state.status === 'inventory_reserved' || state.status === 'paid';

// Every event but OrderPlaced belongs to an existing order; on an empty state it is ignored
// rather than crashing a replay.
const updateExisting = (state: OrderState, update: (order: ExistingOrder) => ExistingOrder): OrderState =>
  state.status === 'none' ? state : update(state);

export const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  switch (event.type) {
    case 'OrderPlaced': {
      const { placedAt, ...placed } = event.data;
      return {
        ...placed,
        status: 'placed',
        inventoryReservedAt: null,
        payment: null,
        shipment: null,
        confirmedAt: null,
        cancellation: null,
        placedAt,
        updatedAt: placedAt,
      };
    }
    case 'OrderInventoryReserved': {
      const { reservedAt } = event.data;
      return updateExisting(state, (order) => ({
        ...order,
        status: 'inventory_reserved',
        inventoryReservedAt: reservedAt,
        updatedAt: reservedAt,
      }));
    }
    case 'OrderPaid': {
      const { paymentId, amountCents, paidAt } = event.data;
      return updateExisting(state, (order) => ({
        ...order,
        status: 'paid',
        payment: { paymentId, amountCents, paidAt },
        updatedAt: paidAt,
      }));
    }
    case 'OrderShipmentCreated': {
      const { shipmentId, carrier, trackingNumber, shippedAt } = event.data;
      return updateExisting(state, (order) => ({
        ...order,
        status: 'shipment_created',
        shipment: { shipmentId, carrier, trackingNumber, shippedAt },
        updatedAt: shippedAt,
      }));
    }
    case 'OrderConfirmed': {
      const { confirmedAt } = event.data;
      return updateExisting(state, (order) => ({
        ...order,
        status: 'confirmed',
        confirmedAt,
        updatedAt: confirmedAt,
      }));
    }
    case 'OrderCancellationRequested': {
      const { reason, requestedAt } = event.data;
      return updateExisting(state, (order) => ({
        ...order,
        status: 'cancelling',
        cancellation: { reason, requestedAt, cancelledBy: null, cancelledAt: null },
        updatedAt: requestedAt,
      }));
    }
    case 'OrderCancelled': {
      const { reason, cancelledBy, cancelledAt } = event.data;
      return updateExisting(state, (order) => ({
        ...order,
        status: 'cancelled',
        cancellation: {
          reason,
          requestedAt: order.cancellation?.requestedAt ?? null,
          cancelledBy,
          cancelledAt,
        },
        updatedAt: cancelledAt,
      }));
    }
    default:
      return assertNever(event);
  }
};
