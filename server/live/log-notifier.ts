import { randomUUID } from 'node:crypto';
import type { Sql } from '@/db/client';

export const EVENTS_CHANNEL = 'orderflow_events';

/** A NOTIFY to send: the channel and its payload ("<position>:<token>"). */
export type LogNote = { readonly channel: string; readonly payload: string };

/**
 * Tells every process that the log grew. NOTIFY inside the append transaction would serialize all
 * committing appends on Postgres's notify queue lock, so it goes after commit, in the statement of
 * this process's next log read (`LogFollower`'s `announce`): an append wakes the follower, which
 * reads at once, or at most `FOLLOWER_COALESCE_MS` after its last read while appends keep coming,
 * with one NOTIFY carrying the highest position appended meanwhile. That is the spacing a NOTIFY
 * statement of its own had, without the statement (~1 per order). A lost notification costs
 * latency only: every follower also polls slowly.
 */
export class LogNotifier {
  /** Names this notifier in its notifications, so its own process can ignore them (it woke itself already). */
  readonly token = randomUUID();
  private pending = 0;
  private closed = false;

  appended(position: number): void {
    if (!this.closed) this.pending = Math.max(this.pending, position);
  }

  /** The notification for what was appended since the last one taken; undefined when nothing was. */
  take(): LogNote | undefined {
    if (this.pending === 0 || this.closed) return undefined;
    const note = { channel: EVENTS_CHANNEL, payload: `${this.pending}:${this.token}` };
    this.pending = 0;
    return note;
  }

  /** The read that carried `note` failed: it goes with the next one (unless a later position has). */
  giveBack(note: LogNote): void {
    this.appended(Number(note.payload.split(':')[0]));
  }

  close(): void {
    this.closed = true;
  }
}

/** One LISTEN connection per process; postgres.js re-listens after a reconnect. */
export const listenForAppends = async (
  sql: Sql,
  onPosition: (position: number) => void,
  ownToken?: string,
): Promise<() => Promise<void>> => {
  const { unlisten } = await sql.listen(
    EVENTS_CHANNEL,
    (payload) => {
      const [positionText, sender] = payload.split(':');
      if (ownToken !== undefined && sender === ownToken) return;
      const position = Number(positionText);
      if (Number.isSafeInteger(position)) onPosition(position);
    },
    () => onPosition(0),
  );
  return unlisten;
};
