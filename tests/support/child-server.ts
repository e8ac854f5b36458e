import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

export type ChildServer = {
  port: number;
  /** The server's own pid (one process: node runs scripts/start.ts itself), for /proc figures. */
  pid: number;
  baseUrl: string;
  wsUrl: string;
  process: ChildProcess;
  /** The last 20,000 characters it printed (stdout and stderr). */
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
};

export type ChildServerOptions = {
  /** Extra flags for node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs?: readonly string[];
  startTimeoutMs?: number;
};

/**
 * A second app process (API and WebSocket, no UI) on the same database: `node --import tsx
 * scripts/start.ts`, one process (its pid is the server's), in its own process group so a kill
 * reaches anything it starts. Killed when this process exits.
 */
export const startChildServer = async (
  databaseUrl: string,
  env: Record<string, string> = {},
  args: readonly string[] = ['--no-ui', '--no-seed'],
  options: ChildServerOptions = {},
): Promise<ChildServer> => {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', ...env },
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
      return true;
    } catch {
      return false;
    }
  };
  const killOnExit = () => signalGroup('SIGKILL');
  process.once('exit', killOnExit);
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null || !signalGroup(signal)) return;
    const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = options.startTimeoutMs ?? 120_000;
      const timer = setTimeout(() => reject(new Error(`child server did not start in ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
      child.stdout!.on('data', () => {
        if (output.includes('Orderflow is running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child server exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
  return {
    port,
    pid: child.pid!,
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/ws`,
    process: child,
    output: () => output,
    kill,
  };
};
