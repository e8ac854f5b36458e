import { describe, expect, it } from 'vitest';
import { gatewayDecision } from './payment-gateway';
import { carrierServes, supportedCountries } from './shipping-carrier';
import { sleep } from './participant-errors';

describe('Payment gateway', () => {
  describe('When asked to charge a test card', () => {
    it.each([
      ['tok_visa', { kind: 'answer', outcome: { approved: true } }],
      ['tok_mastercard', { kind: 'answer', outcome: { approved: true } }],
      ['tok_declined', { kind: 'answer', outcome: { approved: false, reason: 'Payment declined' } }],
      ['tok_insufficient_funds', { kind: 'answer', outcome: { approved: false, reason: 'Payment declined: insufficient funds' } }],
      ['tok_timeout', { kind: 'no-answer' }],
    ])('should answer %s deterministically', (token, expected) => {
      expect(gatewayDecision(token)).toEqual(expected);
    });
  });
});

describe('Shipping carrier', () => {
  describe('When asked where it ships', () => {
    it('should serve ordinary countries and refuse KP, IR, SY, CU and the test code XX', () => {
      for (const country of ['GB', 'US', 'DE', 'NL', 'FI', 'CH', 'AT']) expect(carrierServes(country)).toBe(true);
      for (const country of ['KP', 'IR', 'SY', 'CU', 'XX']) expect(carrierServes(country)).toBe(false);
      expect(supportedCountries).toHaveLength(26 * 26 - 5);
    });
  });
});

describe('Participant latency', () => {
  describe('When the step deadline passes during the wait', () => {
    it('should stop waiting with the deadline’s reason', async () => {
      const controller = new AbortController();
      const waiting = sleep(60_000, controller.signal);
      controller.abort(new Error('deadline'));
      await expect(waiting).rejects.toThrow('deadline');
    });
  });
});
