import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSql, socketOptionsOf, type Sql } from '@/db/client';

/**
 * The embedded Postgres is reached through its Unix socket (scripts/embedded-postgres.ts); any
 * server on this machine can be, by naming the socket's directory as libpq does (`?host=/dir`).
 */
const tcpUrl = socketOptionsOf(inject('adminUrl')).url;
let tcp: Sql;
let socketDir: string;

beforeAll(async () => {
  tcp = createSql(tcpUrl, { max: 1 });
  const [row] = await tcp<{ dirs: string }[]>`SELECT current_setting('unix_socket_directories') AS dirs`;
  socketDir = row!.dirs.split(',')[0]!.trim();
});
afterAll(() => tcp?.end({ timeout: 5 }));

const serverAddress = async (sql: Sql) => (await sql<{ addr: string | null }[]>`SELECT inet_server_addr() AS addr`)[0]!.addr;

describe('A connection to the database', () => {
  describe('When the URL names no socket directory', () => {
    it('should go over TCP', async () => {
      expect(await serverAddress(tcp)).not.toBeNull();
    });
  });

  describe("When the URL names the server's socket directory", () => {
    it('should go through the Unix socket, with the same user and database', async () => {
      const url = new URL(tcpUrl);
      url.searchParams.set('host', socketDir);
      // The server runs on this machine in every set-up the suite supports (embedded, or local PG).
      expect(existsSync(socketOptionsOf(url.toString()).path!)).toBe(true);
      const socket = createSql(url.toString(), { max: 1 });
      try {
        expect(await serverAddress(socket)).toBeNull();
        const [viaSocket] = await socket<{ who: string }[]>`SELECT current_user || '@' || current_database() AS who`;
        const [viaTcp] = await tcp<{ who: string }[]>`SELECT current_user || '@' || current_database() AS who`;
        expect(viaSocket!.who).toBe(viaTcp!.who);
      } finally {
        await socket.end({ timeout: 5 });
      }
    });
  });

  describe('When the test run uses the embedded Postgres', () => {
    it('should be handed a URL that reaches it through its socket', async (ctx) => {
      if (!new URL(inject('adminUrl')).searchParams.has('host')) ctx.skip();
      const admin = createSql(inject('adminUrl'), { max: 1 });
      try {
        expect(await serverAddress(admin)).toBeNull();
      } finally {
        await admin.end({ timeout: 5 });
      }
    });
  });
});
