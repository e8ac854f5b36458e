import type { Command } from '../shared/messages';
import type { StepResult } from './events';
import type { RetryPolicy } from './retry-policy';
import type { SagaStep } from './steps';

export type FulfilmentLine = { readonly sku: string; readonly quantity: number };

export type StartFulfilment = Command<
  'StartFulfilment',
  {
    readonly orderId: string;
    readonly lines: readonly FulfilmentLine[];
    readonly amountCents: number;
    readonly paymentToken: string;
    readonly country: string;
    readonly now: string;
  }
>;

/** The customer asked to cancel (seen on the order stream). */
export type RequestFulfilmentCancellation = Command<
  'RequestFulfilmentCancellation',
  { readonly orderId: string; readonly reason: string; readonly now: string }
>;

/** Begins the attempt that `nextWork` says is due. */
export type StartStepAttempt = Command<
  'StartStepAttempt',
  { readonly orderId: string; readonly step: SagaStep; readonly attempt: number; readonly worker: string; readonly now: string }
>;

/** How an attempt ended, as observed by the processor. */
export type StepOutcome =
  | {
      readonly kind: 'succeeded';
      readonly result: StepResult;
      /** The participant acted, but the order refused to record it because the customer is cancelling. */
      readonly cancellationRequested?: { readonly reason: string; readonly requestedAt: string };
    }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'failed'; readonly outcome: 'error' | 'timeout'; readonly error: string };

export type RecordStepOutcome = Command<
  'RecordStepOutcome',
  {
    readonly orderId: string;
    readonly step: SagaStep;
    readonly attempt: number;
    readonly outcome: StepOutcome;
    /** The process that ran the attempt to its end. */
    readonly worker: string;
    readonly retryPolicy: RetryPolicy;
    /** A sample from 0 to 1 for the backoff's jitter. */
    readonly jitter: number;
    /** The worker goes straight on: the next attempt that is due now starts in the same append. */
    readonly startNext?: boolean;
    readonly now: string;
  }
>;

export type FulfilmentCommand = StartFulfilment | RequestFulfilmentCancellation | StartStepAttempt | RecordStepOutcome;
