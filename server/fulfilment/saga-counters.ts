import type { FulfilmentEvent, FulfilmentEventType } from './events';
import { isForwardStep } from './steps';

/** What /api/health counts of the sagas: how many are in each status, and the retries spent. */
export const sagaCounters = ['running', 'compensating', 'completed', 'compensated', 'failed', 'retries'] as const;
export type SagaCounter = (typeof sagaCounters)[number];

/** The saga events that move a counter; every other saga event leaves them as they are. */
export const sagaCounterEventTypes = [
  'FulfilmentStarted',
  'FulfilmentStepStarted',
  'FulfilmentCompensationStarted',
  'FulfilmentCompleted',
  'FulfilmentCompensated',
  'FulfilmentFailed',
] as const satisfies readonly FulfilmentEventType[];

/**
 * How one saga event moves the counters, from the event alone: each lifecycle event takes the saga
 * from the one status it can come from to the next (a saga starts running, turns back to
 * compensating only while running, completes while running, is compensated while compensating,
 * and fails in a forward step while running or in a compensation while compensating). An attempt
 * after the first is a retry, as saga_progress counts it. Summed over a log this gives what
 * `SELECT status, count(*), sum(retries) FROM saga_progress GROUP BY status` gives, in any order
 * and any batches.
 */
export const sagaCounterMoves = (event: FulfilmentEvent): readonly (readonly [SagaCounter, number])[] => {
  switch (event.type) {
    case 'FulfilmentStarted':
      return [['running', 1]];
    case 'FulfilmentStepStarted':
      return event.data.attempt > 1 ? [['retries', 1]] : [];
    case 'FulfilmentCompensationStarted':
      return [['running', -1], ['compensating', 1]];
    case 'FulfilmentCompleted':
      return [['running', -1], ['completed', 1]];
    case 'FulfilmentCompensated':
      return [['compensating', -1], ['compensated', 1]];
    case 'FulfilmentFailed':
      return [[isForwardStep(event.data.step) ? 'running' : 'compensating', -1], ['failed', 1]];
    default:
      return [];
  }
};
