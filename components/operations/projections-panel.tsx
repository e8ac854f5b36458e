'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { formatDuration } from '@/components/lib/format';
import type { ProjectionStatus } from '@/components/lib/types';
import { useTRPC, useTRPCClient } from '@/components/trpc/client';
import { RelTime } from '@/components/ui/rel-time';
import { ErrorBox, Loading, Spinner } from '@/components/ui/states';
import { VerifyProjection } from './verify-projection';

type Projection = ProjectionStatus['projections'][number];
type Finished = { at: string; tookMs: number };

const STATUS_TONE: Record<string, string> = {
  running: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  inline: 'bg-sky-50 text-sky-800 ring-sky-200',
  rebuilding: 'bg-amber-50 text-amber-900 ring-amber-300',
  failed: 'bg-rose-50 text-rose-800 ring-rose-200',
};

/** Read models with checkpoint, lag and status; rebuild one and watch its progress. */
export const ProjectionsPanel = () => {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  // Rebuilds this page asked for: when it asked, and when the server accepted (poll fast until done).
  const [requested, setRequested] = useState<ReadonlyMap<string, { askedAt: number; acceptedAt: number | null }>>(new Map());
  const [finished, setFinished] = useState<ReadonlyMap<string, Finished>>(new Map());
  const status = useQuery(
    trpc.projections.status.queryOptions(undefined, {
      refetchInterval: (query) => {
        const rebuilding = query.state.data?.projections.some((p) => p.status === 'rebuilding');
        return rebuilding || requested.size > 0 ? 250 : 4000;
      },
    }),
  );

  const forget = (name: string) =>
    setRequested((r) => {
      const next = new Map(r);
      next.delete(name);
      return next;
    });

  const rebuild = useMutation({
    mutationFn: (name: string) => client.projections.rebuild.mutate({ name }),
    onMutate: (name) => {
      setRequested((r) => new Map(r).set(name, { askedAt: Date.now(), acceptedAt: null }));
      setFinished((f) => {
        const next = new Map(f);
        next.delete(name);
        return next;
      });
    },
    onSuccess: (_result, name) =>
      setRequested((r) => {
        const entry = r.get(name);
        return entry ? new Map(r).set(name, { ...entry, acceptedAt: Date.now() }) : r;
      }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: trpc.projections.status.queryKey() }),
    onError: (_error, name) => forget(name),
  });

  // A rebuild is done once an answer fetched after the server accepted it no longer says rebuilding.
  useEffect(() => {
    const data = status.data;
    if (!data || requested.size === 0) return;
    const done: string[] = [];
    for (const [name, entry] of requested) {
      const p = data.projections.find((x) => x.name === name);
      if (p && entry.acceptedAt !== null && status.dataUpdatedAt > entry.acceptedAt && p.status !== 'rebuilding') done.push(name);
    }
    if (done.length === 0) return;
    setRequested((r) => {
      const next = new Map(r);
      for (const name of done) next.delete(name);
      return next;
    });
    setFinished((f) => {
      const next = new Map(f);
      for (const name of done) next.set(name, { at: new Date().toISOString(), tookMs: Date.now() - (requested.get(name)?.askedAt ?? Date.now()) });
      return next;
    });
  }, [status.data, status.dataUpdatedAt, requested]);

  return (
    <section className="panel" aria-labelledby="projections-title" data-testid="projections">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="projections-title" className="panel-title">
          Projections
        </h2>
        <span className="text-xs text-slate-500">
          head position <span className="font-mono text-slate-800" data-testid="head-position">{status.data?.head ?? '—'}</span>
        </span>
      </div>
      {status.error && !status.data ? (
        <ErrorBox title="Could not load projection status" error={status.error} retry={() => void status.refetch()} />
      ) : !status.data ? (
        <Loading label="Loading projections…" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {status.data.projections.map((p) => (
            <ProjectionRow
              key={p.name}
              projection={p}
              head={status.data.head}
              pending={requested.has(p.name)}
              finished={finished.get(p.name)}
              onRebuild={() => rebuild.mutate(p.name)}
              error={rebuild.error && rebuild.variables === p.name ? rebuild.error : null}
            />
          ))}
        </ul>
      )}
    </section>
  );
};

const ProjectionRow = ({
  projection: p,
  head,
  pending,
  finished,
  onRebuild,
  error,
}: {
  projection: Projection;
  head: number;
  pending: boolean;
  finished: Finished | undefined;
  onRebuild: () => void;
  error: unknown;
}) => {
  const rebuilding = p.status === 'rebuilding' || pending;
  const progress = p.rebuild ? p.rebuild.progress : pending ? 0 : 1;
  const pct = Math.round(progress * 100);
  return (
    <li className="px-4 py-3" data-testid="projection" data-name={p.name} data-status={p.status}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-sm font-semibold">{p.name}</span>
            <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_TONE[p.status] ?? 'bg-slate-100 text-slate-700 ring-slate-200'}`} data-testid="projection-status">
              {p.status}
            </span>
            {p.kind !== p.status ? <span className="text-xs text-slate-500">{p.kind}</span> : null}
          </p>
          <p className="mt-0.5 text-xs text-slate-500">{p.description}</p>
        </div>
        <div className="flex items-start gap-2">
          <VerifyProjection name={p.name} disabled={rebuilding} />
          <button type="button" className="btn btn-sm" onClick={onRebuild} disabled={rebuilding} aria-label={`Rebuild ${p.name}`} data-testid="rebuild">
            {rebuilding ? (
              <>
                <Spinner className="size-3" /> Rebuilding…
              </>
            ) : (
              'Rebuild'
            )}
          </button>
        </div>
      </div>
      <dl className="mt-2 grid grid-cols-3 gap-2 text-xs sm:max-w-md">
        <div>
          <dt className="text-slate-500">Checkpoint</dt>
          <dd className="font-mono text-slate-800" data-testid="projection-checkpoint">
            {p.position}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Lag</dt>
          <dd className={`font-mono ${p.lag > 0 ? 'font-semibold text-amber-700' : 'text-slate-800'}`} data-testid="projection-lag">
            {p.lag}
          </dd>
        </div>
        <div>
          <dt className="text-slate-500">Updated</dt>
          <dd className="text-slate-800">
            <RelTime iso={p.updatedAt} />
          </dd>
        </div>
      </dl>
      {rebuilding || finished ? (
        <div className="mt-2">
          <div
            role="progressbar"
            aria-label={`Rebuild progress of ${p.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={rebuilding ? pct : 100}
            className="h-2 w-full overflow-hidden rounded-full bg-slate-100"
            data-testid="rebuild-progress"
          >
            <div
              className={`h-full rounded-full transition-[width] duration-300 ${rebuilding ? 'bg-amber-500' : 'bg-emerald-500'}`}
              style={{ width: `${rebuilding ? Math.max(pct, 2) : 100}%` }}
            />
          </div>
          {rebuilding ? (
            <p className="mt-1 text-xs text-slate-600">
              {pct}% · {p.rebuild ? `${p.position} of ${p.rebuild.target}` : `starting (head ${head})`}
            </p>
          ) : finished ? (
            <p className="mt-1 text-xs font-medium text-emerald-700" role="status" data-testid="rebuild-done">
              Rebuilt to position {p.position} in {formatDuration(finished.tookMs)} · <RelTime iso={finished.at} />
            </p>
          ) : null}
        </div>
      ) : null}
      {p.lastError ? (
        <p className="mt-2 rounded bg-rose-50 p-2 text-xs break-words text-rose-800" role="alert">
          {p.lastError}
        </p>
      ) : null}
      {error ? (
        <p className="mt-2 text-xs text-rose-700" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </p>
      ) : null}
    </li>
  );
};
