import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createSql, type Sql } from '@/db/client';
import { migrationsFolder } from '@/db/migrate';
import type { FulfilmentEvent } from '@/server/fulfilment/events';
import {
  at,
  cancellationRequested,
  compensationStarted,
  historyUntil,
  ran,
  stepFailed,
  stepRejected,
  stepStarted,
} from '@/server/fulfilment/fulfilment-test-fixtures';
import { foldSagaProgress, type SagaProgress } from '@/server/fulfilment/progress';
import { progressFromRow, rowFromProgress, SAGA_PROGRESS_COLUMNS, type SagaProgressRow } from '@/server/fulfilment/progress-projection';
import { databaseUrl } from '../support/test-database';

/**
 * 0003 turns saga_progress's step lists from jsonb objects into packed text. Rows written before it
 * must come out exactly as the projection now writes them, so a migrated read model and one
 * rebuilt from the log compare equal (verifyProjection compares the text).
 */
const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
const statementsOf = (tag: string) =>
  readFileSync(path.join(migrationsFolder, `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);
const migrate = async (sql: Sql, tags: string[]) => {
  for (const tag of tags) for (const statement of statementsOf(tag)) await sql.unsafe(statement);
};

const histories: Record<string, FulfilmentEvent[]> = {
  completed: [...historyUntil.shipped(), ...ran('confirmOrder'), { type: 'FulfilmentCompleted', data: { orderId: 'ord-1001', completedAt: at(9) } }],
  retrying: [...historyUntil.reserved(), stepStarted('chargePayment', 1, 3), stepFailed('chargePayment', 1, at(5), 4), stepStarted('chargePayment', 2, 5)],
  compensating: [
    ...historyUntil.charged(),
    stepStarted('createShipment'),
    stepRejected('createShipment', 'Carrier cannot ship to "XX" \\ \u00e9 \u2603\n\t\u0001'),
    cancellationRequested(3, 'Ordered twice'),
    compensationStarted('Carrier cannot ship to XX', 'system', ['refundPayment', 'releaseInventory', 'cancelOrder']),
    ...ran('refundPayment'),
  ],
  'just started': historyUntil.reserved().slice(0, 1),
};

let admin: postgres.Sql;
let sql: Sql;
const name = `orderflow_test_${randomBytes(5).toString('hex')}`;
const progresses = new Map<string, SagaProgress>();

beforeAll(async () => {
  admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  sql = createSql(databaseUrl(name), { max: 2 });
  const tags = journal.entries.map((e) => e.tag);
  const packed = tags.findIndex((t) => t.startsWith('0003_'));
  await migrate(sql, tags.slice(0, packed));
  // Rows as the projection wrote them before 0003: the step objects themselves, as jsonb.
  const rows = Object.entries(histories).map(([key, history]) => {
    const progress = { ...foldSagaProgress(history)!, orderId: `ord-${key.replace(/ /g, '-')}` };
    progresses.set(progress.orderId, progress);
    return { ...rowFromProgress(progress), steps: progress.steps, compensations: progress.compensations };
  });
  await sql`
    INSERT INTO saga_progress SELECT * FROM json_populate_recordset(null::saga_progress, ${JSON.stringify(rows)}::text::json)`;
  await migrate(sql, tags.slice(packed, packed + 1));
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await admin?.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin?.end();
});

describe('Migration 0003 (packed saga steps)', () => {
  it('should turn every existing row into exactly the text the projection writes', async () => {
    const rows = await sql<SagaProgressRow[]>`SELECT ${sql.unsafe(SAGA_PROGRESS_COLUMNS)} FROM saga_progress ORDER BY order_id`;
    expect(rows).toHaveLength(progresses.size);
    for (const row of rows) {
      const progress = progresses.get(row.order_id)!;
      const written = rowFromProgress(progress);
      expect(row.steps, row.order_id).toBe(JSON.stringify(written.steps));
      expect(row.compensations, row.order_id).toBe(JSON.stringify(written.compensations));
      expect(progressFromRow(row), row.order_id).toEqual(progress);
    }
  });

  it('should leave no helper function behind', async () => {
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'orderflow_pack_saga_steps'`;
    expect(row!.n).toBe(0);
  });
});
