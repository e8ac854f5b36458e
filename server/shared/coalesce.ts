/**
 * Loops woken by appends go again at most every `coalesceMs`, counted from the start of their last
 * pass, so a busy log gives each pass everything since instead of an event or two apiece. Resolves
 * at once when that time has passed already (a pass over a full batch takes longer anyway).
 * `startedAt` is a `performance.now()` reading.
 */
export const pauseUntilCoalesced = (startedAt: number, coalesceMs: number): Promise<void> => {
  const pause = startedAt + coalesceMs - performance.now();
  if (!(pause > 0)) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, pause));
};
