import { randomUUID } from 'node:crypto';
import type { Sql } from '@/db/client';
import { pauseUntilCoalesced } from '../shared/coalesce';

export const EVENTS_CHANNEL = 'orderflow_events';

/**
 * Tells every process that the log grew. NOTIFY inside the append transaction would serialize all
 * committing appends on Postgres's notify queue lock, so it is sent after commit, coalesced: the
 * first append is announced at once, and while appends keep coming at most one NOTIFY goes out
 * every `coalesceMs`, carrying the highest position appended meanwhile. A lost notification costs
 * latency only: every follower also polls slowly.
 */
export class LogNotifier {
  /** Names this notifier in its notifications, so its own process can ignore them (it woke itself already). */
  readonly token = randomUUID();
  private pending = 0;
  private sending = false;
  private closed = false;

  constructor(
    private readonly sql: Sql,
    private readonly coalesceMs = 5,
  ) {}

  appended(position: number): void {
    this.pending = Math.max(this.pending, position);
    if (!this.sending && !this.closed) void this.flush();
  }

  private async flush(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending > 0 && !this.closed) {
        const position = this.pending;
        this.pending = 0;
        const startedAt = performance.now();
        await this.sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${`${position}:${this.token}`})`.catch(() => {});
        await pauseUntilCoalesced(startedAt, this.coalesceMs);
      }
    } finally {
      this.sending = false;
    }
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
