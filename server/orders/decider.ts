import { DomainError, NotFoundError } from '../shared/errors';
import {
  requireCountryCode,
  requireIsoDateTime,
  requirePositiveWholeNumber,
  requireText,
} from '../shared/domain-guards';
import { assertNever, type Decider } from '../shared/messages';
import type {
  CancelOrder,
  MarkInventoryReserved,
  MarkPaid,
  MarkShipmentCreated,
  ConfirmOrder,
  OrderCommand,
  PlaceOrder,
  RequestCancellation,
} from './commands';
import type { OrderEvent } from './events';
import { priceOrderLines } from './order-lines';
import {
  canRequestCancellation,
  evolve,
  initialState,
  isFinalStatus,
  type ExistingOrder,
  type OrderState,
  type OrderStatus,
} from './state';

const progression = ['placed', 'inventory_reserved', 'paid', 'shipment_created', 'confirmed'] as const;
type ProgressStep = Exclude<(typeof progression)[number], 'placed'>;

const stepWording: Record<ProgressStep, { action: string; prerequisite: string }> = {
  inventory_reserved: { action: 'marked as inventory reserved', prerequisite: 'be placed' },
  paid: { action: 'marked as paid', prerequisite: 'have its inventory reserved' },
  shipment_created: { action: 'marked as shipped', prerequisite: 'be paid' },
  confirmed: { action: 'confirmed', prerequisite: 'have its shipment created' },
};

const statusWording = (status: OrderStatus): string => status.replaceAll('_', ' ');

const existingOrder = (state: OrderState, orderId: string): ExistingOrder => {
  if (state.status === 'none') throw new NotFoundError('Order', orderId);
  if (isFinalStatus(state.status)) {
    throw new DomainError(
      'ORDER_FINAL',
      `Order ${orderId} is already ${state.status} and can no longer change`,
      { orderId, status: state.status },
    );
  }
  return state;
};

/** True when `step` is next; false when it already happened, so a retried command changes nothing. */
const isNextStep = (order: ExistingOrder, step: ProgressStep): boolean => {
  const { action, prerequisite } = stepWording[step];
  if (order.status === 'cancelling') {
    throw new DomainError(
      'INVALID_STATE',
      `Order ${order.orderId} is being cancelled and cannot be ${action}`,
      { orderId: order.orderId, status: order.status },
    );
  }
  const current = progression.indexOf(order.status as (typeof progression)[number]);
  const target = progression.indexOf(step);
  if (current >= target) return false;
  if (current === target - 1) return true;
  throw new DomainError(
    'INVALID_STATE',
    `Order ${order.orderId} is ${statusWording(order.status)} and cannot be ${action} yet: it must ${prerequisite} first`,
    { orderId: order.orderId, status: order.status },
  );
};

const requireCancellable = (order: ExistingOrder): void => {
  if (order.status === 'cancelling' || canRequestCancellation(order)) return;
  throw new DomainError(
    'CANCEL_NOT_ALLOWED',
    `The shipment has already been created, so order ${order.orderId} can no longer be cancelled`,
    { orderId: order.orderId, status: order.status },
  );
};

const placeOrder = ({ data }: PlaceOrder, state: OrderState): OrderEvent[] => {
  if (state.status !== 'none') {
    throw new DomainError('CONFLICT', `Order ${data.orderId} already exists`, { orderId: data.orderId });
  }
  requireText(data.orderId, ['orderId'], 'Order id');
  requireText(data.customerId, ['customerId'], 'Customer id');
  requireText(data.customerName, ['customerName'], 'Customer name');
  requireText(data.paymentToken, ['paymentToken'], 'Payment token');
  const address = data.shippingAddress;
  requireText(address.name, ['shippingAddress', 'name'], 'Recipient name');
  requireText(address.line1, ['shippingAddress', 'line1'], 'Address line');
  requireText(address.city, ['shippingAddress', 'city'], 'City');
  requireText(address.postalCode, ['shippingAddress', 'postalCode'], 'Postal code');
  requireCountryCode(address.country, ['shippingAddress', 'country']);
  const lines = priceOrderLines(data.lines, data.catalog);

  return [
    {
      type: 'OrderPlaced',
      data: {
        orderId: data.orderId,
        customerId: data.customerId,
        customerName: data.customerName,
        lines,
        shippingAddress: { ...address },
        paymentToken: data.paymentToken,
        totalCents: lines.reduce((sum, line) => sum + line.lineTotalCents, 0),
        itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
        placedAt: data.now,
      },
    },
  ];
};

const markInventoryReserved = ({ data }: MarkInventoryReserved, state: OrderState): OrderEvent[] => {
  const order = existingOrder(state, data.orderId);
  if (!isNextStep(order, 'inventory_reserved')) return [];
  return [{ type: 'OrderInventoryReserved', data: { orderId: data.orderId, reservedAt: data.now } }];
};

const markPaid = ({ data }: MarkPaid, state: OrderState): OrderEvent[] => {
  const order = existingOrder(state, data.orderId);
  requireText(data.paymentId, ['paymentId'], 'Payment id');
  requirePositiveWholeNumber(data.amountCents, ['amountCents'], 'Amount in cents');
  if (!isNextStep(order, 'paid')) return [];
  return [
    {
      type: 'OrderPaid',
      data: { orderId: data.orderId, paymentId: data.paymentId, amountCents: data.amountCents, paidAt: data.now },
    },
  ];
};

const markShipmentCreated = ({ data }: MarkShipmentCreated, state: OrderState): OrderEvent[] => {
  const order = existingOrder(state, data.orderId);
  requireText(data.shipmentId, ['shipmentId'], 'Shipment id');
  requireText(data.carrier, ['carrier'], 'Carrier');
  requireText(data.trackingNumber, ['trackingNumber'], 'Tracking number');
  if (!isNextStep(order, 'shipment_created')) return [];
  return [
    {
      type: 'OrderShipmentCreated',
      data: {
        orderId: data.orderId,
        shipmentId: data.shipmentId,
        carrier: data.carrier,
        trackingNumber: data.trackingNumber,
        shippedAt: data.now,
      },
    },
  ];
};

const confirmOrder = ({ data }: ConfirmOrder, state: OrderState): OrderEvent[] => {
  const order = existingOrder(state, data.orderId);
  if (!isNextStep(order, 'confirmed')) return [];
  return [{ type: 'OrderConfirmed', data: { orderId: data.orderId, confirmedAt: data.now } }];
};

const requestCancellation = ({ data }: RequestCancellation, state: OrderState): OrderEvent[] => {
  const order = existingOrder(state, data.orderId);
  requireText(data.reason, ['reason'], 'Cancellation reason');
  requireCancellable(order);
  if (order.status === 'cancelling') return [];
  return [
    {
      type: 'OrderCancellationRequested',
      data: { orderId: data.orderId, reason: data.reason, requestedAt: data.now },
    },
  ];
};

const cancelOrder = ({ data }: CancelOrder, state: OrderState): OrderEvent[] => {
  const order = existingOrder(state, data.orderId);
  requireText(data.reason, ['reason'], 'Cancellation reason');
  requireCancellable(order);
  return [
    {
      type: 'OrderCancelled',
      data: { orderId: data.orderId, reason: data.reason, cancelledBy: data.cancelledBy, cancelledAt: data.now },
    },
  ];
};

export const decide = (command: OrderCommand, state: OrderState): OrderEvent[] => {
  requireIsoDateTime(command.data.now, ['now'], 'The current time');
  switch (command.type) {
    case 'PlaceOrder':
      return placeOrder(command, state);
    case 'MarkInventoryReserved':
      return markInventoryReserved(command, state);
    case 'MarkPaid':
      return markPaid(command, state);
    case 'MarkShipmentCreated':
      return markShipmentCreated(command, state);
    case 'ConfirmOrder':
      return confirmOrder(command, state);
    case 'RequestCancellation':
      return requestCancellation(command, state);
    case 'CancelOrder':
      return cancelOrder(command, state);
    default:
      return assertNever(command);
  }
};

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = { initialState, evolve, decide };
