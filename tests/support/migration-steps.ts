import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { createSql, singleConnection, type Sql } from '@/db/client';
import { migrationsFolder } from '@/db/migrate';
import { databaseUrl } from './test-database';

/**
 * A scratch database migrated one step at a time, so a spec can write rows as they were before a
 * migration and check what that migration makes of them.
 */
export type MigrationSteps = {
  readonly sql: Sql;
  /** Applies every migration before the one whose tag starts with `prefix` (e.g. '0004_'). */
  upTo: (prefix: string) => Promise<void>;
  /** Applies that migration itself. */
  apply: (prefix: string) => Promise<void>;
  drop: () => Promise<void>;
};

const journal = () =>
  (JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries.map(
    (e) => e.tag,
  );

const statementsOf = (tag: string) =>
  readFileSync(path.join(migrationsFolder, `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);

export const migrationSteps = async (): Promise<MigrationSteps> => {
  const admin = singleConnection(inject('adminUrl'));
  const name = `orderflow_test_${randomBytes(5).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const sql = createSql(databaseUrl(name), { max: 2 });
  const tags = journal();
  const indexOf = (prefix: string) => {
    const index = tags.findIndex((t) => t.startsWith(prefix));
    if (index === -1) throw new Error(`No migration ${prefix}`);
    return index;
  };
  const run = async (chosen: string[]) => {
    for (const tag of chosen) for (const statement of statementsOf(tag)) await sql.unsafe(statement);
  };
  return {
    sql,
    upTo: (prefix) => run(tags.slice(0, indexOf(prefix))),
    apply: (prefix) => run([tags[indexOf(prefix)]!]),
    drop: async () => {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
};
