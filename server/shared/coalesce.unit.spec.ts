import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pauseUntilCoalesced } from './coalesce';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const settled = (promise: Promise<void>) => {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
};

describe('pauseUntilCoalesced', () => {
  it('should resolve coalesceMs after the pass started, not after it ended', async () => {
    const startedAt = performance.now();
    await vi.advanceTimersByTimeAsync(4);
    const pause = settled(pauseUntilCoalesced(startedAt, 10));
    await vi.advanceTimersByTimeAsync(5);
    expect(pause.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(pause.done).toBe(true);
  });

  it('should resolve without a timer when the pass took coalesceMs or longer', async () => {
    const startedAt = performance.now();
    await vi.advanceTimersByTimeAsync(10);
    const pause = settled(pauseUntilCoalesced(startedAt, 10));
    expect(vi.getTimerCount()).toBe(0);
    await Promise.resolve();
    expect(pause.done).toBe(true);
  });
});
