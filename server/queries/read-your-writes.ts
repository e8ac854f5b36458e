import type { Orderflow } from '../orderflow';

/** How long a query given `minPosition` waits for its read model before answering stale. */
export const MIN_POSITION_WAIT_MS = 2000;

/**
 * Inline read models are current once the command that wrote `minPosition` has returned, but a
 * position from another client may still be committing: wait until the process's follower has
 * passed it. Returns the position the answer reflects, and whether the wait ran out.
 */
export const awaitLog = async (app: Orderflow, minPosition: number | undefined): Promise<{ position: number; stale: boolean }> => {
  if (minPosition === undefined || app.follower.position >= minPosition) {
    return { position: app.follower.position, stale: false };
  }
  const reached = await app.follower.waitFor(minPosition, MIN_POSITION_WAIT_MS);
  return { position: app.follower.position, stale: !reached };
};

/** Async projections reflect their checkpoint: wait (bounded) until it reaches `minPosition`. */
export const awaitProjection = async (
  app: Orderflow,
  name: string,
  minPosition: number | undefined,
  waitMs = MIN_POSITION_WAIT_MS,
): Promise<{ position: number; stale: boolean }> => {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await app.sql<{ position: number }[]>`SELECT position FROM projection_checkpoints WHERE name = ${name}`;
    const position = row?.position ?? 0;
    if (minPosition === undefined || position >= minPosition) return { position, stale: false };
    if (Date.now() >= deadline) return { position, stale: true };
    app.daemon.wake();
    await new Promise((r) => setTimeout(r, 20));
  }
};
