import { z } from 'zod';
import { defineEvent } from '@/server/event-store/event-definitions';
import { EventRegistry } from '@/server/event-store/event-registry';
import type { AppendOptions } from '@/server/event-store/types';

export const counterIncremented = defineEvent('CounterIncremented', z.object({ by: z.number().int() }));

export const testRegistry = () => new EventRegistry([counterIncremented]);

export const appendOptions = (overrides: Partial<AppendOptions> = {}): AppendOptions => ({
  expectedVersion: 'any',
  correlationId: 'test',
  actor: { kind: 'system', id: 'test' },
  now: '2026-11-25T10:00:00.000Z',
  ...overrides,
});

export const increment = (by = 1) => ({ type: 'CounterIncremented', data: { by } });
