import { z } from 'zod';
import type { Queryable } from '@/db/client';
import { sleep, TransientParticipantError } from './participant-errors';

export const participantNames = ['inventory', 'payment', 'shipping'] as const;
export type ParticipantName = (typeof participantNames)[number];

export const faultSettingsSchema = z.object({
  /** Added before every call of the participant. */
  latencyMs: z.int().min(0).max(60_000),
  /** Share of calls, 0 to 1, that fail with a retryable error. */
  transientErrorRate: z.number().min(0).max(1),
});
export type FaultSettings = z.output<typeof faultSettingsSchema>;
export type Faults = Record<ParticipantName, FaultSettings>;

/** A visible but quick progression when nobody has set anything: a few hundred ms per step. */
export const defaultFaults: Readonly<Faults> = {
  inventory: { latencyMs: 150, transientErrorRate: 0 },
  payment: { latencyMs: 300, transientErrorRate: 0 },
  shipping: { latencyMs: 250, transientErrorRate: 0 },
};

type Row = { participant: string; latency_ms: number; transient_error_rate: number };

const isParticipant = (name: string): name is ParticipantName => (participantNames as readonly string[]).includes(name);

/** The faults every process applies: stored rows over the defaults. */
export const getFaults = async (db: Queryable): Promise<Faults> => {
  const rows = await db<Row[]>`SELECT participant, latency_ms, transient_error_rate FROM participant_faults`;
  const faults: Faults = {
    inventory: { ...defaultFaults.inventory },
    payment: { ...defaultFaults.payment },
    shipping: { ...defaultFaults.shipping },
  };
  for (const row of rows) {
    if (isParticipant(row.participant)) {
      faults[row.participant] = { latencyMs: row.latency_ms, transientErrorRate: row.transient_error_rate };
    }
  }
  return faults;
};

export const getParticipantFaults = async (db: Queryable, participant: ParticipantName): Promise<FaultSettings> => {
  const [row] = await db<Row[]>`
    SELECT participant, latency_ms, transient_error_rate FROM participant_faults WHERE participant = ${participant}`;
  return row ? { latencyMs: row.latency_ms, transientErrorRate: row.transient_error_rate } : { ...defaultFaults[participant] };
};

/**
 * Every participant call needs the settings, so each process reads them at most every 250 ms
 * (per database). A change made in this process is seen by its next call; other processes see it
 * within the 250 ms.
 */
const cacheMs = 250;
let changes = 0;
const cached = new WeakMap<object, { readAt: number; changes: number; faults: Promise<Faults> }>();

export const currentFaults = (db: Queryable): Promise<Faults> => {
  const entry = cached.get(db);
  if (entry && entry.changes === changes && Date.now() - entry.readAt < cacheMs) return entry.faults;
  const faults = getFaults(db);
  const fresh = { readAt: Date.now(), changes, faults };
  cached.set(db, fresh);
  faults.catch(() => {
    if (cached.get(db) === fresh) cached.delete(db);
  });
  return faults;
};

/** Changes some settings of one participant; the others keep their current values. */
export const setFaults = async (
  db: Queryable,
  participant: ParticipantName,
  patch: Partial<FaultSettings>,
): Promise<Faults> => {
  const current = await getParticipantFaults(db, participant);
  const next = faultSettingsSchema.parse({ ...current, ...patch });
  await db`
    INSERT INTO participant_faults (participant, latency_ms, transient_error_rate, updated_at)
    VALUES (${participant}, ${next.latencyMs}, ${next.transientErrorRate}, now())
    ON CONFLICT (participant) DO UPDATE SET latency_ms = EXCLUDED.latency_ms,
      transient_error_rate = EXCLUDED.transient_error_rate, updated_at = now()`;
  changes++;
  return getFaults(db);
};

const serviceNames: Record<ParticipantName, string> = {
  inventory: 'The inventory service',
  payment: 'The payment gateway',
  shipping: 'The shipping carrier',
};

/**
 * What every participant call goes through first: the configured latency (cut short by the
 * step's deadline), then, with the configured probability, a retryable error. `random` is
 * injected so tests decide which calls fail.
 */
export const injectFaults = async (
  db: Queryable,
  participant: ParticipantName,
  random: () => number,
  signal: AbortSignal,
): Promise<void> => {
  const faults = (await currentFaults(db))[participant];
  if (faults.latencyMs > 0) await sleep(faults.latencyMs, signal);
  if (faults.transientErrorRate > 0 && random() < faults.transientErrorRate) {
    throw new TransientParticipantError(`${serviceNames[participant]} is temporarily unavailable (injected fault)`);
  }
};
