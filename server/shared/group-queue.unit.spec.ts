import { describe, expect, it } from 'vitest';
import { GroupQueue, type Queued } from './group-queue';

type Request = { id: number; stream: string; alone?: boolean };

/** A queue whose writes wait until the test lets them finish, recording every batch. */
const harness = (maxInFlight: number, maxBatch = 100) => {
  const batches: number[][] = [];
  const open: (() => void)[] = [];
  const queue = new GroupQueue<Request, number>(
    (batch: Queued<Request, number>[]) =>
      new Promise<void>((resolve) => {
        batches.push(batch.map((r) => r.id));
        open.push(() => {
          for (const request of batch) request.resolve(request.id * 10);
          resolve();
        });
      }),
    { maxInFlight, maxBatch },
    { alone: (r) => r.alone === true, claims: (r) => [r.stream] },
  );
  const finishNext = async () => {
    open.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { queue, batches, finishNext };
};

describe('Group queue', () => {
  describe('When a request finds a free slot', () => {
    it('should send it at once, on its own', async () => {
      const { queue, batches, finishNext } = harness(1);
      const answer = queue.submit({ id: 1, stream: 'a' });
      expect(batches).toEqual([[1]]);
      await finishNext();
      expect(await answer).toBe(10);
    });
  });

  describe('When requests arrive while every slot is taken', () => {
    it('should send them together, in arrival order, when a slot frees', async () => {
      const { queue, batches, finishNext } = harness(1);
      const answers = [1, 2, 3, 4].map((id) => queue.submit({ id, stream: `s${id}` }));
      expect(batches).toEqual([[1]]);
      await finishNext();
      expect(batches).toEqual([[1], [2, 3, 4]]);
      await finishNext();
      expect(await Promise.all(answers)).toEqual([10, 20, 30, 40]);
    });

    it('should hold back a second request with the same claim for the next batch', async () => {
      const { queue, batches, finishNext } = harness(1);
      queue.submit({ id: 1, stream: 'x' });
      for (const [id, stream] of [[2, 'a'], [3, 'a'], [4, 'b'], [5, 'a']] as const) queue.submit({ id, stream });
      await finishNext();
      expect(batches[1]).toEqual([2, 4]);
      await finishNext();
      expect(batches[2]).toEqual([3]);
      await finishNext();
      expect(batches[3]).toEqual([5]);
    });

    it('should send a request that must go alone on its own, and no more than maxBatch together', async () => {
      const { queue, batches, finishNext } = harness(1, 2);
      queue.submit({ id: 1, stream: 'x' });
      queue.submit({ id: 2, stream: 'a', alone: true });
      queue.submit({ id: 3, stream: 'b' });
      queue.submit({ id: 4, stream: 'c' });
      queue.submit({ id: 5, stream: 'd' });
      await finishNext();
      await finishNext();
      await finishNext();
      expect(batches).toEqual([[1], [2], [3, 4], [5]]);
    });

    it('should keep up to maxInFlight batches out at once', async () => {
      const { queue, batches } = harness(2);
      for (const id of [1, 2, 3]) queue.submit({ id, stream: `s${id}` });
      expect(batches).toEqual([[1], [2]]);
    });
  });

  describe('When a write fails as a whole', () => {
    it('should reject every request of the batch and go on with the next', async () => {
      let calls = 0;
      const queue = new GroupQueue<Request, number>(
        async (batch) => {
          calls++;
          if (calls === 1) throw new Error('down');
          for (const request of batch) request.resolve(request.id);
        },
        { maxInFlight: 1, maxBatch: 10 },
      );
      const first = queue.submit({ id: 1, stream: 'a' });
      const second = queue.submit({ id: 2, stream: 'b' });
      await expect(first).rejects.toThrow('down');
      expect(await second).toBe(2);
    });
  });
});
