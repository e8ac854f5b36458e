/**
 * The fulfilment saga's steps. Forward steps run in this order; a business failure or a customer
 * cancellation runs the compensations of what was done, in reverse, and then cancels the order.
 * Creating the shipment is the pivot: once the order records it, the saga only goes forward.
 */
export const forwardSteps = ['reserveInventory', 'chargePayment', 'createShipment', 'confirmOrder'] as const;
export const compensationSteps = ['cancelShipment', 'refundPayment', 'releaseInventory', 'cancelOrder'] as const;
export const sagaSteps = [...forwardSteps, ...compensationSteps] as const;

export type ForwardStep = (typeof forwardSteps)[number];
export type CompensationStep = (typeof compensationSteps)[number];
export type SagaStep = (typeof sagaSteps)[number];

export const isForwardStep = (step: SagaStep): step is ForwardStep => (forwardSteps as readonly string[]).includes(step);

/** The forward step each compensation undoes; cancelling the order undoes the order itself. */
export const compensationOf: Readonly<Record<Exclude<ForwardStep, 'confirmOrder'>, CompensationStep>> = {
  reserveInventory: 'releaseInventory',
  chargePayment: 'refundPayment',
  createShipment: 'cancelShipment',
};

export const compensatedStepOf: Readonly<Record<CompensationStep, ForwardStep | null>> = {
  cancelShipment: 'createShipment',
  refundPayment: 'chargePayment',
  releaseInventory: 'reserveInventory',
  cancelOrder: null,
};

export const stepLabels: Readonly<Record<SagaStep, string>> = {
  reserveInventory: 'Reserve inventory',
  chargePayment: 'Charge payment',
  createShipment: 'Create shipment',
  confirmOrder: 'Confirm order',
  cancelShipment: 'Cancel shipment',
  refundPayment: 'Refund payment',
  releaseInventory: 'Release inventory',
  cancelOrder: 'Cancel order',
};

/** Short names used in idempotency keys, e.g. `saga:<orderId>:charge:1`. */
const keyNames: Readonly<Record<SagaStep, string>> = {
  reserveInventory: 'reserve',
  chargePayment: 'charge',
  createShipment: 'ship',
  confirmOrder: 'confirm',
  cancelShipment: 'cancel-shipment',
  refundPayment: 'refund',
  releaseInventory: 'release',
  cancelOrder: 'cancel-order',
};

/**
 * Every participant command of an attempt carries a key derived from it (plus a suffix per
 * command within the step), so re-running the same attempt after a crash writes nothing twice.
 */
export const stepIdempotencyKey = (orderId: string, step: SagaStep, attempt: number): string =>
  `saga:${orderId}:${keyNames[step]}:${attempt}`;

/** What the order is cancelled with when a forward step runs out of retries. */
export const exhaustedReasonPrefix: Readonly<Record<ForwardStep, string>> = {
  reserveInventory: 'Inventory could not be reserved',
  chargePayment: 'Payment failed',
  createShipment: 'Shipping failed',
  confirmOrder: 'Order could not be confirmed',
};

export const cancelledByCustomerReason = 'Cancelled by customer';
