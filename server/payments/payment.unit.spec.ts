import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../shared/decider-spec';
import type { ChargePayment, GatewayOutcome, RefundPayment } from './commands';
import { paymentDecider } from './decider';
import { paymentEventDefinitions, type PaymentEvent } from './events';
import { evolve, initialState, refundableCents } from './state';
import { orderIdFromPaymentStreamId, paymentStreamId } from './stream';

const given = deciderSpec(paymentDecider, paymentEventDefinitions);

const orderId = 'ord-1001';
const now = '2025-03-01T10:02:00.000Z';
const approved: GatewayOutcome = { approved: true };
const declined: GatewayOutcome = { approved: false, reason: 'Insufficient funds' };

const chargePayment = (data: Partial<ChargePayment['data']> = {}): ChargePayment => ({
  type: 'ChargePayment',
  data: { paymentId: 'pay-1', orderId, amountCents: 4499, token: 'tok_visa', outcome: approved, now, ...data },
});

const refundPayment = (amountCents: number, reason = 'Order cancelled'): RefundPayment => ({
  type: 'RefundPayment',
  data: { orderId, amountCents, reason, now },
});

const paymentCharged = (paymentId = 'pay-1'): PaymentEvent => ({
  type: 'PaymentCharged',
  data: { paymentId, orderId, amountCents: 4499, token: 'tok_visa', chargedAt: now },
});

const paymentDeclined = (): PaymentEvent => ({
  type: 'PaymentDeclined',
  data: { orderId, amountCents: 4499, token: 'tok_visa', reason: 'Insufficient funds', declinedAt: now },
});

const paymentRefunded = (amountCents: number, reason = 'Order cancelled'): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: { paymentId: 'pay-1', orderId, amountCents, reason, refundedAt: now },
});

describe('Payment', () => {
  describe('When charged', () => {
    it('should record an approved charge', () => {
      given([]).when(chargePayment()).then([paymentCharged()]);
    });

    it('should record a declined charge as an event with the gateway’s reason', () => {
      given([]).when(chargePayment({ outcome: declined })).then([paymentDeclined()]);
    });

    it('should allow another attempt after a decline', () => {
      given([paymentDeclined()]).when(chargePayment({ paymentId: 'pay-2' })).then([paymentCharged('pay-2')]);
    });

    it('should change nothing when the order is already charged', () => {
      given([paymentCharged()]).when(chargePayment({ paymentId: 'pay-2' })).thenNothingHappens();
    });

    it('should change nothing when charged again after a partial refund', () => {
      given([paymentCharged(), paymentRefunded(1000)]).when(chargePayment()).thenNothingHappens();
    });

    it.each([0, -1, 44.99])('should reject an amount of %s cents', (amountCents) => {
      given([]).when(chargePayment({ amountCents })).thenThrows('VALIDATION', { path: ['amountCents'] });
    });

    it('should reject an empty token', () => {
      given([]).when(chargePayment({ token: '' })).thenThrows('VALIDATION', { path: ['token'] });
    });

    it('should reject a decline without a reason', () => {
      given([])
        .when(chargePayment({ outcome: { approved: false, reason: '' } }))
        .thenThrows('VALIDATION', { path: ['outcome', 'reason'] });
    });
  });

  describe('When refunded', () => {
    it('should refund the whole charge', () => {
      given([paymentCharged()]).when(refundPayment(4499)).then([paymentRefunded(4499)]);
    });

    it('should allow partial refunds up to the charged amount', () => {
      given([paymentCharged(), paymentRefunded(4000)]).when(refundPayment(499)).then([paymentRefunded(499)]);
    });

    it('should refuse more than was charged', () => {
      given([paymentCharged()])
        .when(refundPayment(4500))
        .thenThrows('REFUND_EXCEEDS_CHARGE', { requestedCents: 4500, refundableCents: 4499 });
    });

    it('should refuse more than what remains after earlier refunds', () => {
      const error = given([paymentCharged(), paymentRefunded(4000)])
        .when(refundPayment(500))
        .thenThrows('REFUND_EXCEEDS_CHARGE', { refundableCents: 499 });
      expect(error.message).toContain('499 cents');
    });

    it('should refuse a refund when nothing was charged', () => {
      given([]).when(refundPayment(100)).thenThrows('INVALID_STATE', { status: 'none' });
    });

    it('should refuse a refund of a declined payment', () => {
      given([paymentDeclined()]).when(refundPayment(100)).thenThrows('INVALID_STATE', { status: 'declined' });
    });

    it.each([0, -5, 1.5])('should reject an amount of %s cents', (amountCents) => {
      given([paymentCharged()]).when(refundPayment(amountCents)).thenThrows('VALIDATION', { path: ['amountCents'] });
    });

    it('should reject an empty reason', () => {
      given([paymentCharged()]).when(refundPayment(100, ' ')).thenThrows('VALIDATION', { path: ['reason'] });
    });
  });

  describe('When its events are replayed', () => {
    it('should know how much can still be refunded', () => {
      const state = [paymentCharged(), paymentRefunded(1000), paymentRefunded(499)].reduce(evolve, initialState());
      expect(state).toMatchObject({ status: 'charged', paymentId: 'pay-1', refundedCents: 1499 });
      expect(refundableCents(state)).toBe(3000);
    });

    it('should have nothing refundable without a charge', () => {
      expect(refundableCents([paymentDeclined()].reduce(evolve, initialState()))).toBe(0);
    });
  });

  describe('When its stream is named', () => {
    it('should use one stream per order', () => {
      expect(paymentStreamId(orderId)).toBe('payment-ord-1001');
      expect(orderIdFromPaymentStreamId('payment-ord-1001')).toBe(orderId);
      expect(orderIdFromPaymentStreamId('order-ord-1001')).toBeNull();
    });
  });
});
