import type { ParticipantCall, Participants } from '@/server/participants/participants';
import { TransientParticipantError, untilAborted } from '@/server/participants/participant-errors';

type Deferred = { promise: Promise<void>; resolve: () => void };
const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

export type ParticipantMethod =
  | 'inventory.reserve'
  | 'inventory.release'
  | 'inventory.commit'
  | 'payment.charge'
  | 'payment.refund'
  | 'shipping.createShipment'
  | 'shipping.cancelShipment';

/**
 * Wraps the real participants so a test can hold one call of one order at its start (to act "in
 * the middle of a step") or make its next calls fail transiently. Other orders pass straight through.
 */
export class ParticipantControl {
  private readonly holds = new Map<string, { entered: Deferred; released: Deferred }>();
  private readonly failures = new Map<string, number>();
  private holdingAll: ((method: ParticipantMethod, orderId: string) => void) | undefined;

  /**
   * From now on every call, of any order, waits at its start until its step's deadline aborts it;
   * `onHeld` hears of each. A process doing this certainly holds the sagas it has claimed.
   */
  holdAll(onHeld: (method: ParticipantMethod, orderId: string) => void): void {
    this.holdingAll = onHeld;
  }

  /** The next call of `method` for the order waits at its start until `release` is called. */
  hold(method: ParticipantMethod, orderId: string) {
    const gate = { entered: deferred(), released: deferred() };
    this.holds.set(`${method}:${orderId}`, gate);
    return { entered: gate.entered.promise, release: () => gate.released.resolve() };
  }

  /** The next `times` calls of `method` for the order fail with a retryable error. */
  failTransiently(method: ParticipantMethod, orderId: string, times: number) {
    this.failures.set(`${method}:${orderId}`, times);
  }

  readonly wrap = (real: Participants): Participants => {
    const guard = <A extends unknown[], R>(method: ParticipantMethod, fn: (call: ParticipantCall, ...args: A) => Promise<R>) =>
      async (call: ParticipantCall, ...args: A): Promise<R> => {
        if (this.holdingAll) {
          this.holdingAll(method, call.orderId);
          await untilAborted(call.signal);
        }
        const key = `${method}:${call.orderId}`;
        const gate = this.holds.get(key);
        if (gate) {
          this.holds.delete(key);
          gate.entered.resolve();
          await Promise.race([gate.released.promise, untilAborted(call.signal)]);
        }
        const failures = this.failures.get(key) ?? 0;
        if (failures > 0) {
          this.failures.set(key, failures - 1);
          throw new TransientParticipantError(`${method} is unavailable (test)`);
        }
        return fn(call, ...args);
      };
    return {
      inventory: {
        reserve: guard('inventory.reserve', real.inventory.reserve),
        release: guard('inventory.release', real.inventory.release),
        commit: guard('inventory.commit', real.inventory.commit),
      },
      payment: { charge: guard('payment.charge', real.payment.charge), refund: guard('payment.refund', real.payment.refund) },
      shipping: {
        createShipment: guard('shipping.createShipment', real.shipping.createShipment),
        cancelShipment: guard('shipping.cancelShipment', real.shipping.cancelShipment),
      },
    };
  };
}
