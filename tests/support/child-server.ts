import { spawn } from 'node:child_process';
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

/** A node process running one of the repository's TypeScript entry points, started by `startChildProcess`. */
export type ChildProcessHandle = {
  /** Its own pid (one process: node runs the script itself), for /proc figures. */
  pid: number;
  /** The last 20,000 characters it printed (stdout and stderr). */
  output: () => string;
  /** Signals its process group and waits for it to exit (SIGKILL after 15 s). */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  /** A message over its IPC channel (started with `ipc: true`; it reads them with process.on('message')). */
  send: (message: unknown) => void;
};

export type ChildProcessOptions = {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  args?: readonly string[];
  /** Extra flags for node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs?: readonly string[];
  /** What it prints once it is ready; the start fails if it exits before. */
  readyWhen: string;
  startTimeoutMs?: number;
  /** Open an IPC channel to it (`send`). */
  ipc?: boolean;
  /** Everything it prints (stdout and stderr), chunk by chunk as it comes. */
  onOutput?: (text: string) => void;
};

/**
 * `node --import tsx <script>` from the repository root, in its own process group so a kill
 * reaches anything it starts; resolves once it printed `readyWhen`. Killed when this process exits.
 */
export const startChildProcess = async (script: string, options: ChildProcessOptions): Promise<ChildProcessHandle> => {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...(options.args ?? [])], {
    cwd: root,
    detached: true,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    options.onOutput?.(text);
  };
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
      const timer = setTimeout(() => reject(new Error(`${script} did not start in ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
      child.stdout!.on('data', () => {
        if (output.includes(options.readyWhen)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
  const send = (message: unknown) => {
    if (!child.send) throw new Error(`${script} was started without an IPC channel`);
    child.send(message as Parameters<NonNullable<typeof child.send>>[0]);
  };
  return { pid: child.pid!, output: () => output, kill, send };
};

export type ChildServer = ChildProcessHandle & { port: number; baseUrl: string; wsUrl: string };

export type ChildServerOptions = Pick<ChildProcessOptions, 'nodeArgs' | 'startTimeoutMs' | 'onOutput'>;

/** A second app process (API and WebSocket, no UI) on the same database: `scripts/start.ts`. */
export const startChildServer = async (
  databaseUrl: string,
  env: Record<string, string> = {},
  args: readonly string[] = ['--no-ui', '--no-seed'],
  options: ChildServerOptions = {},
): Promise<ChildServer> => {
  const port = await freePort();
  const child = await startChildProcess('scripts/start.ts', {
    ...options,
    env: { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', ...env },
    args,
    readyWhen: 'Orderflow is running',
  });
  return { ...child, port, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/api/ws` };
};
