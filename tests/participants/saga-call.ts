import type { ParticipantCall } from '@/server/participants/participant-call';

/** A saga attempt's call to a participant: the key is the attempt's, as the step executor makes it. */
export const sagaCall = (orderId: string, step: string, attempt = 1): ParticipantCall => ({
  orderId,
  idempotencyKey: `saga:${orderId}:${step}:${attempt}`,
  causationId: null,
  signal: new AbortController().signal,
  now: () => new Date().toISOString(),
  actor: { kind: 'saga', id: 'test' },
});
