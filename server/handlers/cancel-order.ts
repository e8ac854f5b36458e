import { handleCommand } from '../command-handler';
import type { Orderflow } from '../orderflow';
import { orderDecider } from '../orders/decider';
import { orderStreamId } from '../orders/stream';
import type { Actor } from '../shared/messages';
import type { CommandResult } from './place-order';
import type { CancelOrderInput } from './order-inputs';

/**
 * A customer's cancellation is a request: the fulfilment saga undoes what it has done (in
 * reverse) and then cancels the order, so the order passes through 'cancelling'.
 */
export const cancelOrder = async (app: Orderflow, input: CancelOrderInput, actor: Actor): Promise<CommandResult> => {
  const now = app.clock.now();
  const result = await handleCommand(app.store, {
    streamId: orderStreamId(input.orderId),
    decider: orderDecider,
    command: { type: 'RequestCancellation', data: { orderId: input.orderId, reason: input.reason, requestedBy: 'customer', now } },
    expectedVersion: input.expectedVersion,
    correlationId: input.orderId,
    actor,
    now,
  });
  return { orderId: input.orderId, version: result.version, position: result.position };
};
