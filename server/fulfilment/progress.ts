import { assertNever } from '../shared/messages';
import type { FulfilmentEvent } from './events';
import { fulfilmentEventTypes } from './events';
import { fulfilmentStreamPrefix } from './stream';
import {
  compensatedStepOf,
  forwardSteps,
  isForwardStep,
  stepLabels,
  type CompensationStep,
  type ForwardStep,
  type SagaStep,
} from './steps';

export const sagaStatuses = ['running', 'completed', 'compensating', 'compensated', 'failed'] as const;
export type SagaStatus = (typeof sagaStatuses)[number];

export type SagaStepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'compensating' | 'compensated' | 'skipped';

export type SagaAttempt = {
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  outcome: 'running' | 'succeeded' | 'rejected' | 'error' | 'timeout';
  error: string | null;
  /** The process that ran the attempt (the one that ended it, when it was taken over). */
  worker: string;
};

export type SagaStepProgress = {
  step: SagaStep;
  label: string;
  kind: 'forward' | 'compensation';
  /**
   * Forward steps: pending → running → succeeded | failed, then compensating → compensated when
   * undone, or skipped when the saga turned back before reaching them. A step waiting for a retry
   * is running with `nextAttemptAt` set. Compensations: pending → running → succeeded | failed.
   */
  status: SagaStepStatus;
  attempts: SagaAttempt[];
  startedAt: string | null;
  endedAt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  /** What the step produced, readable (e.g. "Charged 89.00 EUR as pay_…"). */
  result: string | null;
};

export type SagaProgress = {
  orderId: string;
  status: SagaStatus;
  /** The four forward steps, in order. */
  steps: SagaStepProgress[];
  /** The compensations the saga runs once it turned back, in order (empty before). */
  compensations: SagaStepProgress[];
  /** Why the saga turned back or failed ("Payment declined", "Cancelled by customer", …). */
  reason: string | null;
  cancelledBy: 'customer' | 'system' | null;
  /** When and why the customer asked to cancel (their own words). */
  cancellationRequest: { reason: string; requestedAt: string } | null;
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
  /** Attempts beyond the first, over all steps. */
  retries: number;
  lastError: string | null;
  /** The saga stream's version and the log position of the last event folded in. */
  version: number;
  lastPosition: number;
  startedPosition: number;
};

/** Anything shaped like a recorded event; only fulfilment events are folded, the rest is skipped. */
export type SagaProgressInput = {
  readonly type: string;
  readonly data: unknown;
  readonly streamId?: string;
  readonly version?: number;
  readonly position?: number;
};

const sagaTypes = new Set<string>(fulfilmentEventTypes);

export const isFulfilmentEvent = (event: SagaProgressInput): boolean =>
  sagaTypes.has(event.type) && (event.streamId === undefined || event.streamId.startsWith(fulfilmentStreamPrefix));

export const emptyStep = (step: SagaStep): SagaStepProgress => ({
  step,
  label: stepLabels[step],
  kind: isForwardStep(step) ? 'forward' : 'compensation',
  status: 'pending',
  attempts: [],
  startedAt: null,
  endedAt: null,
  lastError: null,
  nextAttemptAt: null,
  result: null,
});

const timeOf = (event: FulfilmentEvent): string => {
  switch (event.type) {
    case 'FulfilmentStarted':
      return event.data.startedAt;
    case 'FulfilmentStepStarted':
      return event.data.startedAt;
    case 'FulfilmentStepSucceeded':
    case 'FulfilmentStepRejected':
    case 'FulfilmentStepFailed':
      return event.data.endedAt;
    case 'FulfilmentCancellationRequested':
      return event.data.requestedAt;
    case 'FulfilmentCompensationStarted':
      return event.data.startedAt;
    case 'FulfilmentCompleted':
      return event.data.completedAt;
    case 'FulfilmentCompensated':
      return event.data.compensatedAt;
    case 'FulfilmentFailed':
      return event.data.failedAt;
    default:
      return assertNever(event);
  }
};

const entryFor = (progress: SagaProgress, step: SagaStep): SagaStepProgress => {
  const list = isForwardStep(step) ? progress.steps : progress.compensations;
  let entry = list.find((candidate) => candidate.step === step);
  if (!entry) {
    entry = emptyStep(step);
    list.push(entry);
  }
  return entry;
};

const forwardEntry = (progress: SagaProgress, step: ForwardStep | null): SagaStepProgress | undefined =>
  step ? progress.steps.find((candidate) => candidate.step === step) : undefined;

const attemptOf = (entry: SagaStepProgress, attempt: number): SagaAttempt | undefined =>
  entry.attempts.find((candidate) => candidate.attempt === attempt);

/**
 * Applies one fulfilment event to the progress, in place: every fold owns its progress (the
 * projection's within a batch, `foldSagaProgress`'s), so none copies it per event. Returns the
 * progress after the event: the same object, a new one for `FulfilmentStarted` on null, or null.
 * `at` is where the event sits (stream version and log position); without it the version counts
 * the events folded. Nothing of the event is shared with the progress, so events can be shared
 * between folds.
 */
export const applySagaEvent = (
  progress: SagaProgress | null,
  event: FulfilmentEvent,
  at: { version?: number; position?: number } = {},
): SagaProgress | null => {
  const time = timeOf(event);
  if (event.type === 'FulfilmentStarted') {
    if (progress) return progress;
    const position = at.position ?? 0;
    return {
      orderId: event.data.orderId,
      status: 'running',
      steps: forwardSteps.map(emptyStep),
      compensations: [],
      reason: null,
      cancelledBy: null,
      cancellationRequest: null,
      startedAt: time,
      finishedAt: null,
      updatedAt: time,
      retries: 0,
      lastError: null,
      version: at.version ?? 1,
      lastPosition: position,
      startedPosition: position,
    };
  }
  if (!progress) return null;
  const next = progress;
  next.updatedAt = time;
  next.version = at.version ?? progress.version + 1;
  next.lastPosition = at.position ?? progress.lastPosition;

  switch (event.type) {
    case 'FulfilmentStepStarted': {
      const { step, attempt, worker, startedAt } = event.data;
      const entry = entryFor(next, step);
      if (!attemptOf(entry, attempt)) {
        entry.attempts.push({ attempt, startedAt, endedAt: null, outcome: 'running', error: null, worker });
        if (attempt > 1) next.retries += 1;
      }
      entry.status = 'running';
      entry.startedAt ??= startedAt;
      entry.nextAttemptAt = null;
      if (!isForwardStep(step)) {
        const undone = forwardEntry(next, compensatedStepOf[step as CompensationStep]);
        if (undone?.status === 'succeeded') undone.status = 'compensating';
      }
      break;
    }
    case 'FulfilmentStepSucceeded': {
      const { step, attempt, result, worker, endedAt } = event.data;
      const entry = entryFor(next, step);
      const tried = attemptOf(entry, attempt);
      if (tried) Object.assign(tried, { endedAt, outcome: 'succeeded', error: null, worker });
      Object.assign(entry, { status: 'succeeded', endedAt, nextAttemptAt: null, result: result.summary });
      if (!isForwardStep(step)) {
        const undone = forwardEntry(next, compensatedStepOf[step as CompensationStep]);
        if (undone?.status === 'compensating') undone.status = 'compensated';
      }
      break;
    }
    case 'FulfilmentStepRejected': {
      const { step, attempt, reason, worker, endedAt } = event.data;
      const entry = entryFor(next, step);
      const tried = attemptOf(entry, attempt);
      if (tried) Object.assign(tried, { endedAt, outcome: 'rejected', error: reason, worker });
      Object.assign(entry, { status: 'failed', endedAt, lastError: reason, nextAttemptAt: null });
      next.lastError = reason;
      break;
    }
    case 'FulfilmentStepFailed': {
      const { step, attempt, outcome, error, worker, endedAt, retryAt } = event.data;
      const entry = entryFor(next, step);
      const tried = attemptOf(entry, attempt);
      if (tried) Object.assign(tried, { endedAt, outcome, error, worker });
      entry.lastError = error;
      entry.nextAttemptAt = retryAt;
      if (retryAt === null) Object.assign(entry, { status: 'failed', endedAt });
      next.lastError = error;
      break;
    }
    case 'FulfilmentCancellationRequested':
      next.cancellationRequest = { reason: event.data.reason, requestedAt: event.data.requestedAt };
      break;
    case 'FulfilmentCompensationStarted': {
      next.status = 'compensating';
      next.reason = event.data.reason;
      next.cancelledBy = event.data.cancelledBy;
      for (const step of event.data.plan) entryFor(next, step);
      for (const entry of next.steps) {
        if (entry.status === 'pending') entry.status = 'skipped';
        if (entry.status === 'running' && entry.nextAttemptAt !== null) {
          Object.assign(entry, { status: 'failed', nextAttemptAt: null, endedAt: event.data.startedAt });
        }
      }
      break;
    }
    case 'FulfilmentCompleted':
      next.status = 'completed';
      next.finishedAt = event.data.completedAt;
      break;
    case 'FulfilmentCompensated':
      next.status = 'compensated';
      next.finishedAt = event.data.compensatedAt;
      next.reason = event.data.reason;
      break;
    case 'FulfilmentFailed':
      next.status = 'failed';
      next.finishedAt = event.data.failedAt;
      next.reason = event.data.reason;
      for (const entry of [...next.steps, ...next.compensations]) {
        if (entry.status === 'pending') entry.status = 'skipped';
      }
      break;
    default:
      return assertNever(event);
  }
  return next;
};

/**
 * The saga's progress after these events (e.g. an order's correlated events up to a position);
 * null when they hold no fulfilment start. Other events are ignored.
 */
export const foldSagaProgress = (events: readonly SagaProgressInput[]): SagaProgress | null => {
  let progress: SagaProgress | null = null;
  for (const event of events) {
    if (!isFulfilmentEvent(event)) continue;
    // The fold owns its progress from the first event on: no copy per event.
    progress = applySagaEvent(progress, event as FulfilmentEvent, { version: event.version, position: event.position });
  }
  return progress;
};

export const isFinalSagaStatus = (status: SagaStatus): boolean =>
  status === 'completed' || status === 'compensated' || status === 'failed';
