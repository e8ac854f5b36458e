'use client';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { liveStore } from '@/components/live/live-store';
import { formatDuration } from '@/components/lib/format';
import { useTRPCClient } from '@/components/trpc/client';
import { RelTime } from '@/components/ui/rel-time';
import { Empty, ErrorBox, Loading, Spinner } from '@/components/ui/states';
import { SAGA_STATUSES, type SagaStatus } from './ops-api';

const LABEL: Record<SagaStatus, string> = {
  running: 'Running',
  compensating: 'Compensating',
  completed: 'Completed',
  compensated: 'Compensated',
  failed: 'Failed',
};
const TONE: Record<SagaStatus, string> = {
  running: 'bg-sky-50 text-sky-800 ring-sky-200',
  compensating: 'bg-amber-50 text-amber-900 ring-amber-300',
  completed: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
  compensated: 'bg-rose-50 text-rose-800 ring-rose-200',
  failed: 'bg-rose-100 text-rose-900 ring-rose-400',
};

const sagasKey = ['orderflow', 'sagas'] as const;

/** Sagas by status, newest first, with where each one stands; refreshed as orders change. */
export const SagasPanel = () => {
  const ops = useTRPCClient();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<SagaStatus | undefined>(undefined);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const list = useQuery({
    queryKey: [...sagasKey, 'list', status ?? 'all', cursor],
    queryFn: () => ops.sagas.list.query({ status, cursor, limit: 15 }),
    placeholderData: keepPreviousData,
  });
  const metrics = useQuery({ queryKey: [...sagasKey, 'metrics'], queryFn: () => ops.sagas.metrics.query() });

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = liveStore.onChange(() => {
      timer ??= setTimeout(() => {
        timer = null;
        void queryClient.invalidateQueries({ queryKey: sagasKey });
      }, 1000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [queryClient]);

  const count = (s: SagaStatus | undefined) => {
    const m = metrics.data;
    if (!m) return null;
    if (s === undefined) return m.inFlight + m.completed + m.compensated + m.failed;
    if (s === 'completed') return m.completed;
    if (s === 'compensated') return m.compensated;
    if (s === 'failed') return m.failed;
    return null;
  };
  const choose = (s: SagaStatus | undefined) => {
    setStatus(s);
    setCursors([]);
  };

  return (
    <section className="panel" aria-labelledby="sagas-title" data-testid="sagas">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="sagas-title" className="panel-title">
          Sagas
        </h2>
        {metrics.data ? (
          <span className="text-xs text-slate-500">
            {metrics.data.inFlight} in flight · {metrics.data.retries} retries spent
          </span>
        ) : null}
      </div>
      <div role="group" aria-label="Filter sagas by status" className="flex gap-1 overflow-x-auto border-b border-slate-200 px-3 py-2">
        {[undefined, ...SAGA_STATUSES].map((s) => {
          const n = count(s);
          const active = status === s;
          return (
            <button
              key={s ?? 'all'}
              type="button"
              aria-pressed={active}
              onClick={() => choose(s)}
              className={`rounded-md px-2.5 py-1 text-xs font-medium whitespace-nowrap ${active ? 'bg-indigo-600 text-white' : 'text-slate-600 hover:bg-slate-100'}`}
              data-testid={`saga-filter-${s ?? 'all'}`}
            >
              {s ? LABEL[s] : 'All'}
              {n !== null ? <span className={`ml-1 ${active ? 'text-indigo-100' : 'text-slate-400'}`}>{n}</span> : null}
            </button>
          );
        })}
      </div>
      {list.error && !list.data ? (
        <ErrorBox title="Could not load sagas" error={list.error} retry={() => void list.refetch()} />
      ) : !list.data ? (
        <Loading label="Loading sagas…" />
      ) : list.data.items.length === 0 ? (
        <Empty title={status ? `No ${LABEL[status].toLowerCase()} sagas` : 'No sagas yet'}>Sagas start when orders are placed.</Empty>
      ) : (
        <ul className="divide-y divide-slate-100" data-testid="saga-list">
          {list.data.items.map((saga) => {
            const active =
              [...saga.compensations].reverse().find((x) => x.status === 'running') ??
              saga.steps.find((x) => x.status === 'running') ??
              [...saga.compensations].reverse().find((x) => x.status !== 'pending') ??
              [...saga.steps].reverse().find((x) => x.status !== 'pending' && x.status !== 'skipped');
            const summary =
              saga.status === 'completed'
                ? `All ${saga.steps.length} steps done`
                : saga.reason && saga.status !== 'compensating'
                  ? saga.reason
                  : active
                    ? `${active.label}: ${active.status}${active.attempts.length > 1 ? ` (attempt ${active.attempts.length})` : ''}`
                    : 'starting';
            const extraError = saga.lastError && saga.status !== 'completed' && !summary.includes(saga.lastError) ? saga.lastError : null;
            const s = saga.status as SagaStatus;
            return (
              <li key={saga.orderId} className="grid grid-cols-[minmax(0,1fr)_auto] gap-x-3 gap-y-0.5 px-4 py-2.5 text-sm" data-testid="saga-row" data-status={saga.status}>
                <Link href={`/orders/${saga.orderId}`} className="truncate font-mono text-xs text-indigo-700 hover:underline" title={saga.orderId}>
                  {saga.orderId}
                </Link>
                <span className={`justify-self-end rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE[s] ?? ''}`}>{LABEL[s] ?? saga.status}</span>
                <span className="truncate text-xs text-slate-600" title={extraError ? `${summary} · ${extraError}` : summary}>
                  {summary}
                  {extraError ? <span className="text-rose-700"> · {extraError}</span> : null}
                </span>
                <span className="justify-self-end text-xs whitespace-nowrap text-slate-500">
                  {saga.retries > 0 ? <span className="font-medium text-amber-700">{saga.retries} retr{saga.retries === 1 ? 'y' : 'ies'} · </span> : null}
                  {saga.finishedAt ? formatDuration(Date.parse(saga.finishedAt) - Date.parse(saga.startedAt)) : <RelTime iso={saga.startedAt} />}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <nav aria-label="Saga pages" className="flex items-center justify-between gap-2 border-t border-slate-200 px-4 py-2 text-sm">
        <button type="button" className="btn btn-sm" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ← Newer
        </button>
        {list.isFetching ? <Spinner className="size-3" /> : <span />}
        <button
          type="button"
          className="btn btn-sm"
          disabled={!list.data?.nextCursor || list.isPlaceholderData}
          onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data!.nextCursor!])}
        >
          Older →
        </button>
      </nav>
    </section>
  );
};
