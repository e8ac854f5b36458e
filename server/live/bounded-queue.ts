export class QueueOverflowError extends Error {}

/**
 * A per-subscriber buffer between the feed and the socket. It never grows past `capacity`:
 * overflowing marks the subscriber as too slow, and reading then throws.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private waiting: (() => void) | undefined;
  private overflowed = false;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.overflowed) return;
    if (this.items.length >= this.capacity) {
      this.overflowed = true;
      this.items = [];
    } else {
      this.items.push(item);
    }
    this.waiting?.();
  }

  async *drain(signal?: AbortSignal): AsyncGenerator<T> {
    while (!signal?.aborted) {
      if (this.overflowed) throw new QueueOverflowError(`more than ${this.capacity} changes waiting`);
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiting = undefined;
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiting = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
