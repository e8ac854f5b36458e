import type { OrderById, OrderStateAt } from '@/components/lib/types';

/** One shape for the order as it is now (read model) and as it was (folded from the log). */
export type OrderView = {
  orderId: string;
  status: string;
  customerId: string;
  customerName: string;
  lines: { sku: string; name: string; quantity: number; unitPriceCents: number; lineTotalCents: number }[];
  shippingAddress: { name: string; line1: string; city: string; postalCode: string; country: string };
  totalCents: number;
  itemCount: number;
  placedAt: string;
  updatedAt: string;
  payment: { paymentId: string; amountCents: number | null } | null;
  shipment: { shipmentId: string; carrier: string | null; trackingNumber: string | null } | null;
  cancellation: { reason: string; cancelledBy: string | null } | null;
  version: number;
};

export const viewFromById = (o: OrderById): OrderView => ({
  orderId: o.orderId,
  status: o.status,
  customerId: o.customerId,
  customerName: o.customerName,
  lines: o.lines,
  shippingAddress: o.shippingAddress,
  totalCents: o.totalCents,
  itemCount: o.itemCount,
  placedAt: o.placedAt,
  updatedAt: o.updatedAt,
  payment: o.paymentId ? { paymentId: o.paymentId, amountCents: o.paidCents } : null,
  shipment: o.shipmentId ? { shipmentId: o.shipmentId, carrier: o.carrier, trackingNumber: o.trackingNumber } : null,
  cancellation: o.cancellationReason ? { reason: o.cancellationReason, cancelledBy: o.cancelledBy } : null,
  version: o.version,
});

export const viewFromStateAt = (s: OrderStateAt): OrderView => {
  const o = s.order;
  return {
    orderId: o.orderId,
    status: o.status,
    customerId: o.customerId,
    customerName: o.customerName,
    lines: [...o.lines],
    shippingAddress: o.shippingAddress,
    totalCents: o.totalCents,
    itemCount: o.itemCount,
    placedAt: o.placedAt,
    updatedAt: o.updatedAt,
    payment: o.payment ? { paymentId: o.payment.paymentId, amountCents: o.payment.amountCents } : null,
    shipment: o.shipment ? { shipmentId: o.shipment.shipmentId, carrier: o.shipment.carrier, trackingNumber: o.shipment.trackingNumber } : null,
    cancellation: o.cancellation ? { reason: o.cancellation.reason, cancelledBy: o.cancellation.cancelledBy } : null,
    version: s.version,
  };
};

export type ChangedField = 'status' | 'payment' | 'shipment' | 'cancellation' | 'updatedAt' | 'lines' | 'shippingAddress' | 'totalCents';

/** Fields that differ between two states of the order (for highlighting during replay). */
export const changedFields = (before: OrderView | null | undefined, after: OrderView | null | undefined): Set<ChangedField> => {
  const out = new Set<ChangedField>();
  if (!before || !after) return out;
  const keys: ChangedField[] = ['status', 'payment', 'shipment', 'cancellation', 'updatedAt', 'lines', 'shippingAddress', 'totalCents'];
  for (const key of keys) if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out.add(key);
  return out;
};
