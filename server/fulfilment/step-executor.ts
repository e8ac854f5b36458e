import { handleCommand, loadAggregate } from '../command-handler';
import type { EventStore } from '../event-store/event-store';
import type { OrderCommand } from '../orders/commands';
import { orderDecider } from '../orders/decider';
import { orderStreamId } from '../orders/stream';
import type { ParticipantCall, Participants } from '../participants/participants';
import { StepTimeoutError, TransientParticipantError } from '../participants/participant-errors';
import { formatCents } from '../participants/payment-gateway';
import { DomainError } from '../shared/errors';
import { assertNever, type Actor } from '../shared/messages';
import type { StepOutcome } from './commands';
import type { ActiveFulfilment } from './state';
import { cancelledByCustomerReason, type SagaStep } from './steps';

export type StepExecutorDeps = {
  readonly store: EventStore;
  readonly participants: Participants;
  readonly now: () => string;
  readonly actor: Actor;
};

export type AttemptToRun = {
  readonly step: SagaStep;
  readonly attempt: number;
  readonly idempotencyKey: string;
  /** The saga event that started this attempt, when known: the cause of every command it sends. */
  readonly causationId?: string | null;
};

/** Who answers (or does not) for each step: named in timeout messages. */
const answeredBy: Readonly<Record<SagaStep, string>> = {
  reserveInventory: 'The inventory service',
  chargePayment: 'The payment gateway',
  createShipment: 'The shipping carrier',
  confirmOrder: 'The inventory service',
  cancelShipment: 'The shipping carrier',
  refundPayment: 'The payment gateway',
  releaseInventory: 'The inventory service',
  cancelOrder: 'The order service',
};

/** Business refusals end the step; races and outages are retried. */
export const classifyStepError = (error: unknown): StepOutcome => {
  if (error instanceof StepTimeoutError) return { kind: 'failed', outcome: 'timeout', error: error.message };
  if (error instanceof TransientParticipantError) return { kind: 'failed', outcome: 'error', error: error.message };
  if (error instanceof DomainError && error.code !== 'CONFLICT' && error.code !== 'CONCURRENCY') {
    return { kind: 'rejected', reason: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'failed', outcome: 'error', error: message.length > 0 ? message : 'Unknown error' };
};

/**
 * Runs one attempt of one step against the participants and the order: the I/O edge of the saga.
 * Every command carries the attempt's key, so running the same attempt again (after a crash)
 * repeats nothing; the answers are read from the aggregates' state, so a repeat answers the same.
 */
export const executeStep = async (
  deps: StepExecutorDeps,
  saga: ActiveFulfilment,
  run: AttemptToRun,
  signal: AbortSignal,
): Promise<StepOutcome> => {
  const { orderId } = saga;
  const call: ParticipantCall = {
    orderId,
    idempotencyKey: run.idempotencyKey,
    causationId: run.causationId ?? null,
    signal,
    now: deps.now,
    actor: deps.actor,
  };
  const skus = saga.lines.map((line) => line.sku);
  const compensationReason = saga.compensation?.reason ?? cancelledByCustomerReason;

  const onOrder = (command: OrderCommand, suffix: string) => {
    const now = deps.now();
    return handleCommand(deps.store, {
      streamId: orderStreamId(orderId),
      decider: orderDecider,
      command,
      idempotencyKey: `${run.idempotencyKey}:${suffix}`,
      correlationId: orderId,
      causationId: run.causationId ?? null,
      actor: deps.actor,
      now,
    });
  };

  /** Moves the order's own status on; a customer cancelling meanwhile is reported, not thrown. */
  const markOrder = async (command: OrderCommand, result: StepOutcome & { kind: 'succeeded' }): Promise<StepOutcome> => {
    try {
      await onOrder(command, 'order');
      return result;
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'INVALID_STATE' || error.details.status !== 'cancelling') throw error;
      const { state } = await loadAggregate(deps.store, orderStreamId(orderId), orderDecider);
      if (state.status !== 'cancelling') throw error;
      const reason = state.cancellation?.reason ?? cancelledByCustomerReason;
      return { ...result, cancellationRequested: { reason, requestedAt: state.cancellation?.requestedAt ?? deps.now() } };
    }
  };

  switch (run.step) {
    case 'reserveInventory': {
      const reserved = await deps.participants.inventory.reserve(call, saga.lines);
      if (reserved.kind === 'rejected') return { kind: 'rejected', reason: reserved.reason };
      const summary = `Reserved ${saga.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ')}`;
      return markOrder({ type: 'MarkInventoryReserved', data: { orderId, now: deps.now() } }, { kind: 'succeeded', result: { summary } });
    }
    case 'chargePayment': {
      const charged = await deps.participants.payment.charge(call, { amountCents: saga.amountCents, token: saga.paymentToken });
      if (charged.kind === 'declined') return { kind: 'rejected', reason: charged.reason };
      const { paymentId, amountCents } = charged;
      return markOrder(
        { type: 'MarkPaid', data: { orderId, paymentId, amountCents, now: deps.now() } },
        { kind: 'succeeded', result: { summary: `Charged ${formatCents(amountCents)} as ${paymentId}`, paymentId, amountCents } },
      );
    }
    case 'createShipment': {
      const shipment = await deps.participants.shipping.createShipment(call, saga.country);
      if (shipment.kind === 'rejected') return { kind: 'rejected', reason: shipment.reason };
      const { shipmentId, carrier, trackingNumber } = shipment;
      return markOrder(
        { type: 'MarkShipmentCreated', data: { orderId, shipmentId, carrier, trackingNumber, now: deps.now() } },
        {
          kind: 'succeeded',
          result: { summary: `Booked with ${carrier}, tracking ${trackingNumber}`, shipmentId, carrier, trackingNumber },
        },
      );
    }
    case 'confirmOrder': {
      await deps.participants.inventory.commit(call, skus);
      await onOrder({ type: 'ConfirmOrder', data: { orderId, now: deps.now() } }, 'order');
      return { kind: 'succeeded', result: { summary: 'Stock committed and order confirmed' } };
    }
    case 'cancelShipment': {
      const { cancelled } = await deps.participants.shipping.cancelShipment(call, compensationReason);
      return { kind: 'succeeded', result: { summary: cancelled ? 'Shipment cancelled' : 'No shipment to cancel' } };
    }
    case 'refundPayment': {
      const { refundedCents } = await deps.participants.payment.refund(call, compensationReason);
      const summary = refundedCents > 0 ? `Refunded ${formatCents(refundedCents)}` : 'Nothing was charged, nothing to refund';
      return { kind: 'succeeded', result: { summary, amountCents: refundedCents } };
    }
    case 'releaseInventory': {
      const { releasedUnits } = await deps.participants.inventory.release(call, skus, compensationReason);
      return { kind: 'succeeded', result: { summary: releasedUnits > 0 ? `Released ${releasedUnits} units` : 'Nothing held, nothing to release' } };
    }
    case 'cancelOrder': {
      const cancelledBy = saga.compensation?.cancelledBy ?? 'system';
      try {
        await onOrder({ type: 'CancelOrder', data: { orderId, reason: compensationReason, cancelledBy, now: deps.now() } }, 'order');
      } catch (error) {
        // Cancelled already (by an earlier run of this attempt under another key, or by hand): done.
        if (!(error instanceof DomainError) || error.code !== 'ORDER_FINAL' || error.details.status !== 'cancelled') throw error;
      }
      return { kind: 'succeeded', result: { summary: `Order cancelled: ${compensationReason}` } };
    }
    default:
      return assertNever(run.step);
  }
};

/**
 * Runs the attempt under a deadline. At the deadline the participant's call is aborted and then
 * awaited, so nothing of a timed-out attempt can still be written after its outcome is recorded.
 */
export const executeWithTimeout = async (
  deps: StepExecutorDeps,
  saga: ActiveFulfilment,
  run: AttemptToRun,
  timeoutMs: number,
): Promise<StepOutcome> => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new StepTimeoutError(timeoutMs, answeredBy[run.step])), timeoutMs);
  try {
    return await executeStep(deps, saga, run, controller.signal);
  } catch (error) {
    return classifyStepError(error);
  } finally {
    clearTimeout(timer);
  }
};
