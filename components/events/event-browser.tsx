'use client';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useEffect, useId, useRef, useState } from 'react';
import { liveStore } from '@/components/live/live-store';
import type { RecordedEvent } from '@/components/lib/types';
import { ShortId, StreamBadge } from '@/components/order/timeline';
import { useTRPC } from '@/components/trpc/client';
import { JsonView } from '@/components/ui/json-view';
import { RelTime } from '@/components/ui/rel-time';
import { Empty, ErrorBox, Spinner } from '@/components/ui/states';
import { useToggleSet } from '@/components/lib/use-toggle-set';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 50;

const setUrl = (patch: Record<string, string | undefined>) => {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(patch)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const qs = params.toString();
  window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
};

export const EventBrowser = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const ids = useId();
  const type = params.get('type') || undefined;
  const streamId = params.get('stream') || undefined;
  const [streamText, setStreamText] = useState(streamId ?? '');
  const [tail, setTail] = useState(false);
  const [cursors, setCursors] = useState<number[]>([]);
  const cursor = cursors[cursors.length - 1];
  const { open, toggle } = useToggleSet<number>();
  const firstSeen = useRef<number | null>(null);

  const key = `${type}|${streamId}`;
  const lastKey = useRef(key);
  if (lastKey.current !== key) {
    lastKey.current = key;
    if (cursors.length) setCursors([]);
  }

  const types = useQuery(trpc.events.types.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  const input = { type, streamId, cursor: cursor ?? null, limit: PAGE };
  const list = useQuery(trpc.events.list.queryOptions(input, { placeholderData: keepPreviousData, refetchInterval: tail && !cursor ? 2000 : false }));
  const listKey = trpc.events.list.queryKey(input);

  useEffect(() => {
    if (list.data) liveStore.notePosition(list.data.position);
    if (list.data && firstSeen.current === null) firstSeen.current = list.data.items[0]?.position ?? 0;
  }, [list.data]);

  // Live tail: the newest page follows every change pushed to this tab.
  useEffect(() => {
    if (!tail) return;
    setCursors([]);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = liveStore.onChange(() => {
      timer ??= setTimeout(() => {
        timer = null;
        void queryClient.invalidateQueries({ queryKey: listKey });
      }, 250);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tail, queryClient, type, streamId]);

  useEffect(() => {
    const value = streamText.trim();
    if (value === (streamId ?? '')) return;
    const timer = setTimeout(() => setUrl({ stream: value || undefined }), 350);
    return () => clearTimeout(timer);
  }, [streamText, streamId]);


  const items = list.data?.items ?? [];

  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Events</h1>
        <p className="text-sm text-slate-500">Every event in the store, newest first by global position.</p>
      </div>
      <section className="panel" aria-label="Event log">
        <form role="search" aria-label="Filter events" className="grid grid-cols-1 gap-3 border-b border-slate-200 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)_auto] sm:items-end" onSubmit={(e) => e.preventDefault()}>
          <div>
            <label htmlFor={`${ids}-type`} className="label">
              Type
            </label>
            <select id={`${ids}-type`} className="input" value={type ?? ''} onChange={(e) => setUrl({ type: e.target.value || undefined })} data-testid="event-type-filter">
              <option value="">All types</option>
              {types.data?.items.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${ids}-stream`} className="label">
              Stream
            </label>
            <input
              id={`${ids}-stream`}
              className="input font-mono"
              placeholder="e.g. order-0195…, inventory-SKU-KB-01"
              value={streamText}
              onChange={(e) => setStreamText(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="event-stream-filter"
            />
          </div>
          <div className="flex items-center gap-3 sm:pb-1.5">
            <label className="flex cursor-pointer items-center gap-2 text-sm font-medium text-slate-700">
              <input type="checkbox" className="size-4 accent-indigo-600" checked={tail} onChange={(e) => setTail(e.target.checked)} data-testid="live-tail" />
              Live tail
            </label>
            {tail ? (
              <span className="flex items-center gap-1 text-xs text-emerald-700" aria-live="polite">
                <span className="size-2 animate-pulse rounded-full bg-emerald-500" aria-hidden /> following
              </span>
            ) : null}
          </div>
        </form>

        {list.error && !list.data ? (
          <ErrorBox title="Could not load events" error={list.error} retry={() => void list.refetch()} />
        ) : !list.data ? (
          <div className="flex items-center gap-2 p-6 text-sm text-slate-500" role="status">
            <Spinner /> Loading events…
          </div>
        ) : items.length === 0 ? (
          <Empty title="No events match">Try another type or stream.</Empty>
        ) : (
          <ol className="divide-y divide-slate-100" data-testid="event-list">
            {items.map((event) => (
              <EventRow
                key={event.position}
                event={event}
                open={open.has(event.position)}
                onToggle={() => toggle(event.position)}
                onStream={() => {
                  setStreamText(event.streamId);
                  setUrl({ stream: event.streamId });
                }}
                fresh={firstSeen.current !== null && event.position > firstSeen.current}
              />
            ))}
          </ol>
        )}

        <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-slate-200 px-4 py-3 text-sm">
          <button type="button" className="btn" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </button>
          <span className="flex items-center gap-2 text-slate-600">
            {list.isFetching ? <Spinner className="size-3" /> : null}
            {items.length ? `#${items[0]!.position} – #${items[items.length - 1]!.position}` : '—'}
            {list.data ? <span className="hidden text-slate-400 sm:inline">· head #{list.data.position}</span> : null}
          </span>
          <button
            type="button"
            className="btn"
            disabled={list.data?.nextCursor == null || list.isPlaceholderData}
            onClick={() => {
              setTail(false);
              if (list.data?.nextCursor != null) setCursors((c) => [...c, list.data!.nextCursor!]);
            }}
          >
            Older →
          </button>
        </nav>
      </section>
    </div>
  );
};

const EventRow = ({ event, open, onToggle, onStream, fresh }: { event: RecordedEvent; open: boolean; onToggle: () => void; onStream: () => void; fresh: boolean }) => {
  const correlation = event.metadata.correlationId;
  const isOrder = UUID.test(correlation);
  return (
    <li className={`px-4 py-2.5 ${fresh ? 'animate-row-in' : ''}`} data-testid="event-row" data-position={event.position} data-type={event.type}>
      <div className="grid grid-cols-[4rem_minmax(0,1fr)_auto] items-start gap-x-3 gap-y-1 md:grid-cols-[4rem_minmax(0,1.2fr)_minmax(0,1.3fr)_6.5rem_auto]">
        <span className="pt-0.5 font-mono text-xs text-slate-500">#{event.position}</span>
        <div className="min-w-0">
          <p className="truncate text-sm font-medium">{event.type}</p>
          <p className="mt-0.5 flex min-w-0 items-center gap-1.5 text-xs text-slate-500">
            <StreamBadge streamId={event.streamId} />
            <button type="button" className="truncate font-mono hover:text-indigo-700 hover:underline" title={`Only events of stream ${event.streamId}`} onClick={onStream}>
              {event.streamId.slice(event.streamId.indexOf('-') + 1)}
            </button>
            <span className="shrink-0">· v{event.version}</span>
          </p>
        </div>
        <div className="col-span-3 row-start-2 min-w-0 text-xs text-slate-500 md:col-span-1 md:row-start-auto">
          <p className="truncate">
            {isOrder ? (
              <Link href={`/orders/${correlation}`} className="text-indigo-700 hover:underline" data-testid="event-order-link">
                order <ShortId id={correlation} label="Order (correlation id)" />
              </Link>
            ) : (
              <>
                corr <ShortId id={correlation} label="Correlation id" />
              </>
            )}
          </p>
          <p className="truncate">
            by {event.metadata.actor.kind}:{event.metadata.actor.id}
          </p>
        </div>
        <span className="hidden pt-0.5 text-xs text-slate-600 md:block">
          <RelTime iso={event.metadata.occurredAt} />
        </span>
        <button type="button" className="btn btn-sm" aria-expanded={open} aria-controls={`ev-${event.position}`} onClick={onToggle}>
          {open ? 'Hide' : 'JSON'}
        </button>
      </div>
      {open ? (
        <div id={`ev-${event.position}`} className="mt-2 grid gap-2 lg:grid-cols-2">
          <JsonView value={event.data} />
          <JsonView value={{ ...event.metadata, recordedAt: event.recordedAt }} />
        </div>
      ) : null}
    </li>
  );
};
