import type { RecordedEvent } from '../event-store/types';
import type { OrderEvent } from '../orders/events';
import { evolve, initialState, type OrderState } from '../orders/state';
import { orderIdFromStreamId } from '../orders/stream';

/**
 * The order as it was right after `position`, folded from its events by the same evolve the
 * decider uses: a temporal query over the log, not a stored copy.
 */
export const foldOrderState = (events: readonly RecordedEvent[], orderId: string): { state: OrderState; version: number } => {
  let state = initialState();
  let version = 0;
  for (const event of events) {
    if (orderIdFromStreamId(event.streamId) !== orderId) continue;
    state = evolve(state, event as unknown as OrderEvent);
    version = event.version;
  }
  return { state, version };
};

/** The state without what views must not show (the payment token). */
export const publicOrderState = (state: OrderState) => {
  if (state.status === 'none') return null;
  const { paymentToken: _hidden, ...visible } = state;
  return visible;
};
