/**
 * Broken business rules. Each code maps to one tRPC code in server/error-codes.ts;
 * expected outcomes (a declined payment) are events, not errors.
 */
export type DomainErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CONCURRENCY'
  | 'UNKNOWN_SKU'
  | 'ORDER_FINAL'
  | 'CANCEL_NOT_ALLOWED'
  | 'OUT_OF_STOCK'
  | 'REFUND_EXCEEDS_CHARGE'
  | 'INVALID_STATE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} was not found`, { id });
  }
}

/** The stream's version did not match the expected one; nothing was written. */
export class ConcurrencyError extends DomainError {
  constructor(
    readonly streamId: string,
    readonly expected: bigint | number | string,
    readonly actual: number,
  ) {
    super(
      'CONCURRENCY',
      `Stream ${streamId} is at version ${actual}, expected ${String(expected)}`,
      { streamId, expectedVersion: String(expected), currentVersion: actual },
    );
    this.name = 'ConcurrencyError';
  }
}
