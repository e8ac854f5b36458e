/**
 * A loop's sleep that something else can end early: `wake` ends the sleep in progress (a wake
 * with none in progress does nothing; a loop that must not miss one keeps a dirty flag of its own).
 * `Infinity` sleeps until woken.
 */
export class WakeableSleep {
  private end: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(() => done(), Math.max(0, ms));
      const done = () => {
        clearTimeout(timer);
        this.end = undefined;
        resolve();
      };
      this.end = done;
    });
  }

  wake(): void {
    this.end?.();
  }
}
