/**
 * How transient failures are retried. Forward steps before the pivot give up after `maxAttempts`
 * and compensate; compensations and the confirmation (after the pivot there is no way back) get
 * `persistentMaxAttempts` before the saga is marked failed.
 */
export type RetryPolicy = {
  readonly maxAttempts: number;
  readonly persistentMaxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
};

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  persistentMaxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
};

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half is scaled by `jitter`
 * (a sample from 0 to 1, drawn by the caller so the decider stays pure and tests deterministic).
 * `failedAttempt` is the attempt that just failed, from 1.
 */
export const backoffDelayMs = (policy: RetryPolicy, failedAttempt: number, jitter: number): number => {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
  const sample = Math.min(1, Math.max(0, jitter));
  return Math.round(exponential / 2 + (exponential / 2) * sample);
};

export const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
