import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { DomainErrorCode } from './shared/errors';

/** The one table from domain error codes to tRPC (and so HTTP) codes. */
export const trpcCodeFor: Record<DomainErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION: 'BAD_REQUEST',
  UNKNOWN_SKU: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  CONCURRENCY: 'CONFLICT',
  ORDER_FINAL: 'CONFLICT',
  CANCEL_NOT_ALLOWED: 'CONFLICT',
  INVALID_STATE: 'CONFLICT',
  OUT_OF_STOCK: 'CONFLICT',
  REFUND_EXCEEDS_CHARGE: 'CONFLICT',
};
