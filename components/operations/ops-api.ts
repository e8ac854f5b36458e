'use client';
import type { RouterInputs, RouterOutputs } from '@/server/root';

/** Fault injection and saga procedures: types from the AppRouter. */
export const PARTICIPANTS = ['inventory', 'payment', 'shipping'] as const satisfies readonly RouterInputs['faults']['set']['participant'][];
export type Participant = (typeof PARTICIPANTS)[number];
export type Faults = RouterOutputs['faults']['get'];

type SagaListInput = Exclude<RouterInputs['sagas']['list'], void | undefined>;
export const SAGA_STATUSES = ['running', 'compensating', 'completed', 'compensated', 'failed'] as const satisfies readonly NonNullable<SagaListInput['status']>[];
export type SagaStatus = (typeof SAGA_STATUSES)[number];
