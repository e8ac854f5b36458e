import type { IncomingMessage, ServerResponse } from 'node:http';
import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError, type AnyTRPCRouter } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { TRPCResponse } from '@trpc/server/rpc';

type Options<TContext> = {
  router: AnyTRPCRouter;
  createContext: (opts: { req: IncomingMessage; res: ServerResponse }) => TContext | Promise<TContext>;
  /** Where procedure paths start, e.g. `/api/trpc/`. */
  basePath: string;
  maxBodySize: number;
};

/**
 * One tRPC mutation over HTTP — `POST <basePath><path>` with a JSON body, no query string (so no
 * batch) — answered through tRPC's own procedure call, error shape and status code, without
 * tRPC's Fetch adapter. That adapter builds a Fetch Request and Response per call, whose signals
 * (AbortSignal.any, undici's request signal) are linked through WeakRefs that V8's young
 * generation keeps alive: every command's request objects waited in the old generation for a
 * full collection (~55% of what a live server promoted, docs/benchmarks.md). The answer is the
 * same as tRPC's handler gives (tests/api/single-mutation.int.spec.ts compares them).
 *
 * Returns false, touching nothing, for anything else (queries, batches, subscriptions, other
 * content types, encoded paths): the caller hands those to tRPC's handler.
 */
export const createSingleMutationHandler = <TContext>(options: Options<TContext>) => {
  const { router, basePath } = options;
  const procedures = router._def.procedures as Record<string, { _def: { type: string } } | undefined>;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(basePath) || url.includes('?') || url.includes('%')) return false;
    const path = url.slice(basePath.length);
    if (!Object.hasOwn(procedures, path) || procedures[path]?._def.type !== 'mutation') return false;
    if (!isJson(req.headers['content-type'])) return false;
    void respond(options, path, req, res);
    return true;
  };
};

/** The content type tRPC's JSON handler takes: `application/json`, parameters and case aside. */
const isJson = (contentType: string | undefined): boolean => contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';

const respond = async <TContext>(options: Options<TContext>, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const { router } = options;
  // The procedure's signal aborts when the client goes before the answer, as the adapter's does.
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) abort.abort();
  });
  let ctx: TContext | undefined;
  let input: unknown;
  let json: TRPCResponse;
  try {
    ctx = await options.createContext({ req, res });
    const data = await callTRPCProcedure({
      router,
      path,
      // Read inside the call, as tRPC does, so a body too large or not JSON fails the same way.
      getRawInput: async () => (input = await readJson(req, options.maxBodySize)),
      ctx,
      type: 'mutation',
      signal: abort.signal,
      batchIndex: 0,
    });
    json = { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    json = { error: getTRPCErrorShape({ config: router._def._config, ctx, error, input, path, type: 'mutation' }) };
  }
  if (res.destroyed) return;
  res.writeHead(getHTTPStatusCode(json), { 'content-type': 'application/json', vary: 'trpc-accept' });
  res.end(JSON.stringify(json));
};

/** The body's JSON; like tRPC's, an error reading it that is not a TRPCError is a BAD_REQUEST with its message. */
const readJson = async (req: IncomingMessage, maxBodySize: number): Promise<unknown> => {
  try {
    return JSON.parse(await readBody(req, maxBodySize));
  } catch (cause) {
    if (cause instanceof TRPCError) throw cause;
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
  }
};

/** The body as text; more than `maxBodySize` bytes is tRPC's PAYLOAD_TOO_LARGE. */
const readBody = (req: IncomingMessage, maxBodySize: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodySize) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
