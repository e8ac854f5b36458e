import { describe, expect, it } from 'vitest';
import { WakeableSleep } from './wakeable-sleep';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
};

describe('WakeableSleep', () => {
  describe('When woken during a sleep', () => {
    it('should end that sleep at once, even one without an end', async () => {
      const sleeper = new WakeableSleep();
      const sleeping = sleeper.sleep(Infinity);
      expect(await settled(sleeping)).toBe(false);
      sleeper.wake();
      expect(await settled(sleeping)).toBe(true);
    });
  });

  describe('When woken with no sleep in progress', () => {
    it('should leave the next sleep alone', async () => {
      const sleeper = new WakeableSleep();
      sleeper.wake();
      const sleeping = sleeper.sleep(Infinity);
      expect(await settled(sleeping)).toBe(false);
      sleeper.wake();
      await sleeping;
    });
  });

  describe('When nobody wakes it', () => {
    it('should end when its time is up', async () => {
      await new WakeableSleep().sleep(5);
    });
  });
});
