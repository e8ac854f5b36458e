import { DomainError } from '../shared/errors';
import { requireIsoDateTime, requirePositiveWholeNumber, requireText } from '../shared/domain-guards';
import { assertNever, type Decider } from '../shared/messages';
import type { ChargePayment, PaymentCommand, RefundPayment } from './commands';
import type { PaymentEvent } from './events';
import { evolve, initialState, refundableCents, type PaymentState } from './state';

const chargePayment = ({ data }: ChargePayment, state: PaymentState): PaymentEvent[] => {
  requireText(data.paymentId, ['paymentId'], 'Payment id');
  requireText(data.token, ['token'], 'Payment token');
  requirePositiveWholeNumber(data.amountCents, ['amountCents'], 'Amount in cents');
  // Charging once is the point: a retried charge must never take the money twice.
  if (state.status === 'charged') return [];

  const { outcome } = data;
  if (outcome.approved) {
    return [
      {
        type: 'PaymentCharged',
        data: {
          paymentId: data.paymentId,
          orderId: data.orderId,
          amountCents: data.amountCents,
          token: data.token,
          chargedAt: data.now,
        },
      },
    ];
  }
  requireText(outcome.reason, ['outcome', 'reason'], 'Decline reason');
  return [
    {
      type: 'PaymentDeclined',
      data: {
        orderId: data.orderId,
        amountCents: data.amountCents,
        token: data.token,
        reason: outcome.reason,
        declinedAt: data.now,
      },
    },
  ];
};

const refundPayment = ({ data }: RefundPayment, state: PaymentState): PaymentEvent[] => {
  requirePositiveWholeNumber(data.amountCents, ['amountCents'], 'Refund amount in cents');
  requireText(data.reason, ['reason'], 'Refund reason');
  if (state.status !== 'charged') {
    throw new DomainError('INVALID_STATE', `Nothing was charged for order ${data.orderId}, so nothing can be refunded`, {
      orderId: data.orderId,
      status: state.status,
    });
  }
  const refundable = refundableCents(state);
  if (data.amountCents > refundable) {
    throw new DomainError(
      'REFUND_EXCEEDS_CHARGE',
      `A refund of ${data.amountCents} cents exceeds the ${refundable} cents still refundable for order ${data.orderId}`,
      { path: ['amountCents'], requestedCents: data.amountCents, refundableCents: refundable },
    );
  }
  return [
    {
      type: 'PaymentRefunded',
      data: {
        paymentId: state.paymentId,
        orderId: data.orderId,
        amountCents: data.amountCents,
        reason: data.reason,
        refundedAt: data.now,
      },
    },
  ];
};

export const decide = (command: PaymentCommand, state: PaymentState): PaymentEvent[] => {
  requireText(command.data.orderId, ['orderId'], 'Order id');
  requireIsoDateTime(command.data.now, ['now'], 'The current time');
  switch (command.type) {
    case 'ChargePayment':
      return chargePayment(command, state);
    case 'RefundPayment':
      return refundPayment(command, state);
    default:
      return assertNever(command);
  }
};

export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState> = {
  initialState,
  evolve,
  decide,
};
