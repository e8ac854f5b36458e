import { assertNever } from '../shared/messages';
import type { FulfilmentLine } from './commands';
import type { FulfilmentEvent } from './events';
import { forwardSteps, sagaSteps, type CompensationStep, type SagaStep } from './steps';

export type StepRecord = {
  /** rejected = refused for a business reason; failed = transient failure (retried while retryAt is set). */
  readonly status: 'pending' | 'running' | 'succeeded' | 'rejected' | 'failed';
  /** Attempts begun so far. */
  readonly attempts: number;
  readonly retryAt: string | null;
  readonly lastError: string | null;
};

export type InFlightAttempt = {
  readonly step: SagaStep;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly startedAt: string;
};

export type SagaLifecycle = 'running' | 'compensating' | 'completed' | 'compensated' | 'failed';

export type ActiveFulfilment = {
  readonly status: SagaLifecycle;
  readonly orderId: string;
  readonly lines: readonly FulfilmentLine[];
  readonly amountCents: number;
  readonly paymentToken: string;
  readonly country: string;
  readonly startedAt: string;
  readonly steps: Readonly<Record<SagaStep, StepRecord>>;
  /** The attempt begun and not yet ended: after a crash it is run again with the same key. */
  readonly inFlight: InFlightAttempt | null;
  readonly cancellation: { readonly reason: string; readonly requestedAt: string } | null;
  readonly compensation: {
    readonly reason: string;
    readonly cancelledBy: 'customer' | 'system';
    readonly plan: readonly CompensationStep[];
  } | null;
  readonly payment: { readonly paymentId: string; readonly amountCents: number } | null;
  readonly shipment: { readonly shipmentId: string; readonly carrier: string; readonly trackingNumber: string } | null;
};

export type FulfilmentState = { readonly status: 'none' } | ActiveFulfilment;

export const initialState = (): FulfilmentState => ({ status: 'none' });

export const isFinalLifecycle = (status: FulfilmentState['status']): boolean =>
  status === 'completed' || status === 'compensated' || status === 'failed';

const pendingStep: StepRecord = { status: 'pending', attempts: 0, retryAt: null, lastError: null };

const withStep = (state: ActiveFulfilment, step: SagaStep, update: (record: StepRecord) => StepRecord): ActiveFulfilment => ({
  ...state,
  steps: { ...state.steps, [step]: update(state.steps[step]) },
});

const active = (state: FulfilmentState, update: (saga: ActiveFulfilment) => ActiveFulfilment): FulfilmentState =>
  state.status === 'none' ? state : update(state);

export const evolve = (state: FulfilmentState, event: FulfilmentEvent): FulfilmentState => {
  switch (event.type) {
    case 'FulfilmentStarted': {
      const { orderId, lines, amountCents, paymentToken, country, startedAt } = event.data;
      return {
        status: 'running',
        orderId,
        lines: lines.map((line) => ({ ...line })),
        amountCents,
        paymentToken,
        country,
        startedAt,
        steps: Object.fromEntries(sagaSteps.map((step) => [step, pendingStep])) as Record<SagaStep, StepRecord>,
        inFlight: null,
        cancellation: null,
        compensation: null,
        payment: null,
        shipment: null,
      };
    }
    case 'FulfilmentStepStarted': {
      const { step, attempt, idempotencyKey, startedAt } = event.data;
      return active(state, (saga) => ({
        ...withStep(saga, step, (record) => ({ ...record, status: 'running', attempts: attempt, retryAt: null })),
        inFlight: { step, attempt, idempotencyKey, startedAt },
      }));
    }
    case 'FulfilmentStepSucceeded': {
      const { step, result } = event.data;
      return active(state, (saga) => ({
        ...withStep(saga, step, (record) => ({ ...record, status: 'succeeded', retryAt: null })),
        inFlight: null,
        payment:
          step === 'chargePayment' && result.paymentId
            ? { paymentId: result.paymentId, amountCents: result.amountCents ?? saga.amountCents }
            : saga.payment,
        shipment:
          step === 'createShipment' && result.shipmentId && result.carrier && result.trackingNumber
            ? { shipmentId: result.shipmentId, carrier: result.carrier, trackingNumber: result.trackingNumber }
            : saga.shipment,
      }));
    }
    case 'FulfilmentStepRejected': {
      const { step, reason } = event.data;
      return active(state, (saga) => ({
        ...withStep(saga, step, (record) => ({ ...record, status: 'rejected', retryAt: null, lastError: reason })),
        inFlight: null,
      }));
    }
    case 'FulfilmentStepFailed': {
      const { step, error, retryAt } = event.data;
      return active(state, (saga) => ({
        ...withStep(saga, step, (record) => ({ ...record, status: 'failed', retryAt, lastError: error })),
        inFlight: null,
      }));
    }
    case 'FulfilmentCancellationRequested': {
      const { reason, requestedAt } = event.data;
      return active(state, (saga) => ({ ...saga, cancellation: { reason, requestedAt } }));
    }
    case 'FulfilmentCompensationStarted': {
      const { reason, cancelledBy, plan } = event.data;
      return active(state, (saga) => {
        // A forward retry that was still due is dropped: the saga now goes back.
        const steps = { ...saga.steps };
        for (const step of forwardSteps) steps[step] = { ...steps[step], retryAt: null };
        return { ...saga, status: 'compensating', steps, compensation: { reason, cancelledBy, plan: [...plan] } };
      });
    }
    case 'FulfilmentCompleted':
      return active(state, (saga) => ({ ...saga, status: 'completed' }));
    case 'FulfilmentCompensated':
      return active(state, (saga) => ({ ...saga, status: 'compensated' }));
    case 'FulfilmentFailed':
      return active(state, (saga) => ({ ...saga, status: 'failed', inFlight: null }));
    default:
      return assertNever(event);
  }
};
