import { v7 as uuidv7 } from 'uuid';
import { handleCommand } from '../command-handler';
import type { Orderflow } from '../orderflow';
import { orderDecider } from '../orders/decider';
import { orderStreamId } from '../orders/stream';
import { NotFoundError } from '../shared/errors';
import type { Actor } from '../shared/messages';
import type { PlaceOrderInput } from './order-inputs';

export type CommandResult = { orderId: string; version: number; position: number };

/** Enriches the command with the catalog and the customer, then lets the pure decider rule. */
export const placeOrder = async (
  app: Orderflow,
  input: PlaceOrderInput,
  actor: Actor = { kind: 'user', id: input.customerId },
): Promise<CommandResult> => {
  const { customer, catalog } = await app.referenceData.lookup(app.sql, input.customerId, input.lines.map((l) => l.sku));
  if (!customer) throw new NotFoundError('Customer', input.customerId);
  const orderId = input.orderId ?? uuidv7();
  const now = app.clock.now();
  const result = await handleCommand(app.store, {
    streamId: orderStreamId(orderId),
    decider: orderDecider,
    command: {
      type: 'PlaceOrder',
      data: {
        orderId,
        customerId: customer.customerId,
        customerName: customer.name,
        lines: input.lines,
        shippingAddress: input.shippingAddress,
        paymentToken: input.paymentToken,
        catalog,
        now,
      },
    },
    idempotencyKey: input.idempotencyKey ? `place-order:${input.idempotencyKey}` : undefined,
    streamIsNew: true,
    correlationId: orderId,
    actor,
    now,
  });
  // A retried command returns the order the first attempt created, not a new id.
  const placedId = result.duplicate ? result.streamId.slice('order-'.length) : orderId;
  return { orderId: placedId, version: result.version, position: result.position };
};
