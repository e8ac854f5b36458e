import type { RecordedEvent } from '../event-store/types';
import type { Orderflow } from '../orderflow';

/**
 * The saga's progress for the order views. Placeholder seam: the fulfilment module provides the
 * real read model and fold; until it is registered these answer null.
 */
export const orderSagaView = async (_app: Orderflow, _orderId: string): Promise<unknown> => null;

export const sagaAt = (_events: readonly RecordedEvent[]): unknown => null;
