/** The fulfilment saga's public face for the rest of the app (views, API, health). */
export { foldSagaProgress, isFinalSagaStatus, sagaStatuses } from './progress';
export type { SagaAttempt, SagaProgress, SagaProgressInput, SagaStatus, SagaStepProgress, SagaStepStatus } from './progress';
export { listSagas, sagaMetrics, sagaProgressFor } from './queries';
export type { SagaListFilter, SagaMetrics } from './queries';
export { FulfilmentProcessor } from './processor';
export type { FulfilmentOptions } from './processor';
export { fulfilmentStreamId } from './stream';
