import { assertNever } from '../shared/messages';
import type { PaymentEvent } from './events';

export type PaymentState =
  | { readonly status: 'none' }
  /** The last attempt was declined; another attempt, e.g. with a new token, may still succeed. */
  | {
      readonly status: 'declined';
      readonly orderId: string;
      readonly amountCents: number;
      readonly reason: string;
      readonly declinedAt: string;
    }
  | {
      readonly status: 'charged';
      readonly paymentId: string;
      readonly orderId: string;
      readonly amountCents: number;
      readonly chargedAt: string;
      readonly refundedCents: number;
      readonly lastRefundedAt: string | null;
    };

export const initialState = (): PaymentState => ({ status: 'none' });

/** Cents that can still be given back: charged minus already refunded. */
export const refundableCents = (state: PaymentState): number =>
  state.status === 'charged' ? state.amountCents - state.refundedCents : 0;

export const evolve = (state: PaymentState, event: PaymentEvent): PaymentState => {
  switch (event.type) {
    case 'PaymentCharged': {
      const { paymentId, orderId, amountCents, chargedAt } = event.data;
      return { status: 'charged', paymentId, orderId, amountCents, chargedAt, refundedCents: 0, lastRefundedAt: null };
    }
    case 'PaymentDeclined': {
      const { orderId, amountCents, reason, declinedAt } = event.data;
      return { status: 'declined', orderId, amountCents, reason, declinedAt };
    }
    case 'PaymentRefunded':
      // A refund only follows a charge; on any other state it is ignored rather than crashing a replay.
      return state.status === 'charged'
        ? {
            ...state,
            refundedCents: state.refundedCents + event.data.amountCents,
            lastRefundedAt: event.data.refundedAt,
          }
        : state;
    default:
      return assertNever(event);
  }
};
