import type { OrderById, OrderStateAt } from '@/components/lib/types';

/** The fulfilment saga's progress as the API returns it (order page now, and at a past position). */
export type Saga = NonNullable<OrderById['saga']>;
export type SagaAt = NonNullable<OrderStateAt['saga']>;
export type SagaStep = Saga['steps'][number];
export type SagaAttempt = SagaStep['attempts'][number];

export const sagaOf = (value: OrderById['saga'] | undefined): Saga | null => value ?? null;
export const sagaAtOf = (value: OrderStateAt['saga'] | undefined): SagaAt | null => value ?? null;
