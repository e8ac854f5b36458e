import type { Command } from '../shared/messages';
import type { ShippingAddress } from './events';

export type RequestedOrderLine = { readonly sku: string; readonly quantity: number };

/** What the handler looked up for each requested sku; prices come from here, never the client. */
export type CatalogEntry = { readonly name: string; readonly unitPriceCents: number };
export type Catalog = Readonly<Record<string, CatalogEntry>>;

export type CancelledBy = 'customer' | 'system';

export type PlaceOrder = Command<
  'PlaceOrder',
  {
    readonly orderId: string;
    readonly customerId: string;
    readonly customerName: string;
    readonly lines: readonly RequestedOrderLine[];
    readonly shippingAddress: Readonly<ShippingAddress>;
    readonly paymentToken: string;
    readonly catalog: Catalog;
    readonly now: string;
  }
>;

export type MarkInventoryReserved = Command<
  'MarkInventoryReserved',
  { readonly orderId: string; readonly now: string }
>;

export type MarkPaid = Command<
  'MarkPaid',
  { readonly orderId: string; readonly paymentId: string; readonly amountCents: number; readonly now: string }
>;

export type MarkShipmentCreated = Command<
  'MarkShipmentCreated',
  {
    readonly orderId: string;
    readonly shipmentId: string;
    readonly carrier: string;
    readonly trackingNumber: string;
    readonly now: string;
  }
>;

export type ConfirmOrder = Command<'ConfirmOrder', { readonly orderId: string; readonly now: string }>;

export type RequestCancellation = Command<
  'RequestCancellation',
  { readonly orderId: string; readonly reason: string; readonly requestedBy: 'customer'; readonly now: string }
>;

export type CancelOrder = Command<
  'CancelOrder',
  { readonly orderId: string; readonly reason: string; readonly cancelledBy: CancelledBy; readonly now: string }
>;

export type OrderCommand =
  | PlaceOrder
  | MarkInventoryReserved
  | MarkPaid
  | MarkShipmentCreated
  | ConfirmOrder
  | RequestCancellation
  | CancelOrder;

export type OrderCommandType = OrderCommand['type'];
