'use client';
import { useLive } from './live/live-store';
import { RelTime } from './ui/rel-time';

const LABEL = { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting' } as const;

/** Live / reconnecting, and the last global position this tab has seen. */
export const ConnectionIndicator = () => {
  const live = useLive();
  const state = live.connection;
  const dot = state === 'live' ? 'bg-emerald-500' : state === 'reconnecting' ? 'bg-amber-500 animate-pulse' : 'bg-slate-400 animate-pulse';
  return (
    <div
      data-testid="connection-indicator"
      data-state={state}
      className="flex items-center gap-2 rounded-full border border-slate-200 bg-white px-2.5 py-1 text-xs whitespace-nowrap text-slate-700"
      title={state === 'live' ? 'Receiving changes as they happen' : 'The live channel is down; it resumes from the last position when it is back'}
    >
      <span aria-hidden className={`size-2 rounded-full ${dot}`} />
      <span className="font-medium" role="status">
        {LABEL[state]}
      </span>
      {live.since && state !== 'live' ? (
        <span className="hidden text-slate-500 sm:inline">
          since <RelTime iso={new Date(live.since).toISOString()} />
        </span>
      ) : null}
      <span className="text-slate-400" aria-hidden>
        ·
      </span>
      <span className="text-slate-500">
        <span className="sr-only">last position </span>
        <span className="hidden sm:inline">pos </span>
        <span data-testid="last-position" className="font-mono text-slate-700">
          {live.lastPosition || '—'}
        </span>
      </span>
    </div>
  );
};
