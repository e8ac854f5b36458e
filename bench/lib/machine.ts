import os from 'node:os';
import { singleConnection } from '../../db/client';

export type MachineInfo = {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly postgres: string;
  readonly server: 'embedded' | 'external';
  /** How this client reaches it: a Unix socket (`?host=/dir` in the URL) or TCP. */
  readonly transport: 'unix socket' | 'tcp';
  /** The settings that decide what a commit costs. */
  readonly settings: Readonly<Record<string, string>>;
};

const SETTINGS = ['fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'commit_delay', 'shared_buffers', 'max_wal_size'];

export const describeMachine = async (url: string, server: 'embedded' | 'external'): Promise<MachineInfo> => {
  const sql = singleConnection(url);
  try {
    const [row] = await sql<{ version: string; socket: boolean }[]>`SELECT version(), inet_server_addr() IS NULL AS socket`;
    const rows = await sql<{ name: string; setting: string; unit: string | null }[]>`
      SELECT name, setting, unit FROM pg_settings WHERE name = ANY(${SETTINGS})`;
    return {
      nproc: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres: row?.version ?? 'unknown',
      server,
      transport: row?.socket ? 'unix socket' : 'tcp',
      settings: Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting])),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
};

export const machineLine = (m: MachineInfo): string =>
  `${m.nproc} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.postgres.split(' on ')[0]} (${m.server}, ${m.transport}; ` +
  `fsync=${m.settings.fsync}, synchronous_commit=${m.settings.synchronous_commit}, wal_sync_method=${m.settings.wal_sync_method})`;
