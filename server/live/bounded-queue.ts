export class QueueOverflowError extends Error {}

/**
 * A per-subscriber buffer between the feed and the socket. Each item has a size (for the live
 * channel: the changes in a message); the sizes waiting never add up past `capacity`:
 * overflowing marks the subscriber as too slow, and reading then throws. (One item alone is
 * always taken, however big.)
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private size = 0;
  private readonly sizes: number[] = [];
  private waiting: (() => void) | undefined;
  private overflowed = false;

  constructor(
    private readonly capacity: number,
    private readonly sizeOf: (item: T) => number = () => 1,
  ) {}

  push(item: T): void {
    if (this.overflowed) return;
    const size = this.sizeOf(item);
    if (this.size > 0 && this.size + size > this.capacity) {
      this.overflowed = true;
      this.items = [];
      this.sizes.length = 0;
      this.head = 0;
      this.size = 0;
    } else {
      this.items.push(item);
      this.sizes.push(size);
      this.size += size;
    }
    this.waiting?.();
  }

  /** The next item without waiting (undefined when none); throws once overflowed. */
  take(): T | undefined {
    if (this.overflowed) throw new QueueOverflowError(`more than ${this.capacity} changes waiting`);
    return this.shift();
  }

  private shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.size -= this.sizes[this.head]!;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.sizes.length = 0;
      this.head = 0;
    }
    return item;
  }

  async *drain(signal?: AbortSignal): AsyncGenerator<T> {
    // One abort listener for the whole drain (adding one per wait costs more than the wait).
    const onAbort = () => this.waiting?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        if (this.overflowed) throw new QueueOverflowError(`more than ${this.capacity} changes waiting`);
        const item = this.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.waiting = () => {
            this.waiting = undefined;
            resolve();
          };
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
