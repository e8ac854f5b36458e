import { v7 as uuidv7 } from 'uuid';
import { handleCommand, loadAggregate } from '../command-handler';
import type { GatewayOutcome } from '../payments/commands';
import { paymentDecider } from '../payments/decider';
import { refundableCents } from '../payments/state';
import { paymentStreamId } from '../payments/stream';
import { injectFaults } from './faults';
import { commandOptions, type ParticipantCall, type ParticipantDeps } from './participant-call';
import { untilAborted } from './participant-errors';

/** What the simulated card network answers for a token, or that it never answers. */
export type GatewayDecision = { readonly kind: 'answer'; readonly outcome: GatewayOutcome } | { readonly kind: 'no-answer' };

/**
 * Deterministic test cards: tok_declined and tok_insufficient_funds are declined, tok_timeout
 * never answers (the step times out), any other token (tok_visa, tok_mastercard, …) is approved.
 */
export const gatewayDecision = (token: string): GatewayDecision => {
  switch (token) {
    case 'tok_declined':
      return { kind: 'answer', outcome: { approved: false, reason: 'Payment declined' } };
    case 'tok_insufficient_funds':
      return { kind: 'answer', outcome: { approved: false, reason: 'Payment declined: insufficient funds' } };
    case 'tok_timeout':
      return { kind: 'no-answer' };
    default:
      return { kind: 'answer', outcome: { approved: true } };
  }
};

export type ChargeResult =
  | { readonly kind: 'charged'; readonly paymentId: string; readonly amountCents: number }
  | { readonly kind: 'declined'; readonly reason: string };

export const formatCents = (cents: number): string => (cents / 100).toFixed(2);

/** The payment service: asks the simulated gateway, then records the answer with the payment decider. */
export const createPaymentGateway = (deps: ParticipantDeps) => ({
  charge: async (call: ParticipantCall, charge: { amountCents: number; token: string }): Promise<ChargeResult> => {
    await injectFaults(deps.sql, 'payment', deps.random, call.signal);
    const decision = gatewayDecision(charge.token);
    if (decision.kind === 'no-answer') await untilAborted(call.signal);
    const outcome = decision.kind === 'answer' ? decision.outcome : ({ approved: false, reason: 'No answer' } as const);
    call.signal.throwIfAborted();
    const options = commandOptions(call, 'charge');
    const result = await handleCommand(deps.store, {
      streamId: paymentStreamId(call.orderId),
      decider: paymentDecider,
      // The first attempt's stream is new: no read. A retry finds it written and reads it then.
      streamIsNew: true,
      command: {
        type: 'ChargePayment',
        data: { paymentId: `pay_${uuidv7()}`, orderId: call.orderId, amountCents: charge.amountCents, token: charge.token, outcome, now: options.now },
      },
      ...options,
    });
    // Read from the state, so a repeated call (same key, or charged by an earlier attempt) answers the same.
    const state = result.state;
    if (state.status === 'charged') return { kind: 'charged', paymentId: state.paymentId, amountCents: state.amountCents };
    if (state.status === 'declined') return { kind: 'declined', reason: state.reason };
    throw new Error(`Payment of order ${call.orderId} was neither charged nor declined`);
  },

  /** Gives back everything still refundable; answers with all that was refunded (none when nothing was charged). */
  refund: async (call: ParticipantCall, reason: string): Promise<{ refundedCents: number }> => {
    await injectFaults(deps.sql, 'payment', deps.random, call.signal);
    call.signal.throwIfAborted();
    const streamId = paymentStreamId(call.orderId);
    const options = commandOptions(call, 'refund');
    // A repeat: answered from the refund its key recorded, handed back with the key.
    const stored = await deps.store.findIdempotent(options.idempotencyKey);
    if (stored) {
      const refunded = stored.events.find((event) => event.type === 'PaymentRefunded');
      return { refundedCents: refunded ? (refunded.data as { amountCents: number }).amountCents : 0 };
    }
    const { state } = await loadAggregate(deps.store, streamId, paymentDecider);
    const refundable = refundableCents(state);
    // Nothing left to give back: an earlier attempt (under another key) may have refunded it all,
    // and then that is the answer, as a release answers with the units released before.
    if (refundable === 0) return { refundedCents: state.status === 'charged' ? state.refundedCents : 0 };
    await handleCommand(deps.store, {
      streamId,
      decider: paymentDecider,
      command: { type: 'RefundPayment', data: { orderId: call.orderId, amountCents: refundable, reason, now: options.now } },
      ...options,
    });
    return { refundedCents: refundable };
  },
});

export type PaymentGateway = ReturnType<typeof createPaymentGateway>;
