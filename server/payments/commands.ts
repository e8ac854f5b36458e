import type { Command } from '../shared/messages';

/** The gateway's answer, obtained by the handler before deciding. */
export type GatewayOutcome = { readonly approved: true } | { readonly approved: false; readonly reason: string };

export type ChargePayment = Command<
  'ChargePayment',
  {
    readonly paymentId: string;
    readonly orderId: string;
    readonly amountCents: number;
    readonly token: string;
    readonly outcome: GatewayOutcome;
    readonly now: string;
  }
>;

export type RefundPayment = Command<
  'RefundPayment',
  { readonly orderId: string; readonly amountCents: number; readonly reason: string; readonly now: string }
>;

export type PaymentCommand = ChargePayment | RefundPayment;

export type PaymentCommandType = PaymentCommand['type'];
