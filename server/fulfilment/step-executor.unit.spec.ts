import { describe, expect, it } from 'vitest';
import { StepTimeoutError, TransientParticipantError } from '../participants/participant-errors';
import { DomainError } from '../shared/errors';
import { classifyStepError } from './step-executor';

describe('Step outcome', () => {
  describe('When an attempt throws', () => {
    it('should retry deadlines, outages and lost races, and end the step on broken business rules', () => {
      expect(classifyStepError(new StepTimeoutError(200, 'The payment gateway'))).toEqual({
        kind: 'failed',
        outcome: 'timeout',
        error: 'The payment gateway did not answer within 200 ms',
      });
      expect(classifyStepError(new TransientParticipantError('down'))).toEqual({ kind: 'failed', outcome: 'error', error: 'down' });
      expect(classifyStepError(new DomainError('CONFLICT', 'kept changing'))).toMatchObject({ kind: 'failed', outcome: 'error' });
      expect(classifyStepError(new DomainError('INVALID_STATE', 'Order is cancelled'))).toEqual({ kind: 'rejected', reason: 'Order is cancelled' });
      expect(classifyStepError(new Error('connection reset'))).toEqual({ kind: 'failed', outcome: 'error', error: 'connection reset' });
    });
  });
});
