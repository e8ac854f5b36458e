/** A participant could not answer this time (unavailable, overloaded); the saga retries it. */
export class TransientParticipantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientParticipantError';
  }
}

/** The step's deadline passed before the participant answered. */
export class StepTimeoutError extends Error {
  constructor(readonly timeoutMs: number, what = 'The participant') {
    super(`${what} did not answer within ${timeoutMs} ms`);
    this.name = 'StepTimeoutError';
  }
}

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new Error('Aborted');

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Never answers on its own: rejects when the signal is aborted (a call that hangs until the deadline). */
export const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
  });
