'use client';
import { useEffect, useId, useState } from 'react';
import type { TimelineEvent } from '@/components/lib/types';
import { IconBack, IconFirst, IconForward, IconLast, IconPause, IconPlay } from '@/components/ui/icons';

const SPEEDS = [0.5, 1, 2, 4] as const;

/** Index of the last event at or before `at` (the point the replay shows). */
export const indexAt = (events: readonly TimelineEvent[], at: number | null): number => {
  if (events.length === 0) return -1;
  if (at === null) return events.length - 1;
  let index = 0;
  for (let i = 0; i < events.length; i++) if (events[i]!.position <= at) index = i;
  return index;
};

/** Slider, step back/forward, play/pause and speed over the order's events. */
export const ReplayControls = ({
  events,
  at,
  onChange,
  loading,
}: {
  events: readonly TimelineEvent[];
  at: number | null;
  onChange: (position: number | null) => void;
  loading: boolean;
}) => {
  const ids = useId();
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const index = indexAt(events, at);
  const last = events.length - 1;
  const current = events[index];

  useEffect(() => {
    if (!playing) return;
    if (index >= last) {
      setPlaying(false);
      return;
    }
    const timer = setTimeout(() => onChange(events[index + 1]!.position), 1000 / speed);
    return () => clearTimeout(timer);
  }, [playing, index, last, speed, events, onChange]);

  if (events.length === 0) return null;
  const go = (i: number) => onChange(events[Math.max(0, Math.min(last, i))]!.position);
  const replaying = at !== null;

  return (
    <section className={`panel p-4 ${replaying ? 'ring-2 ring-indigo-300' : ''}`} aria-labelledby={`${ids}-title`} data-testid="replay">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={`${ids}-title`} className="panel-title">
          Replay
        </h2>
        <p className="text-xs text-slate-500" aria-live="polite" data-testid="replay-position">
          {replaying && current ? (
            <>
              Event <strong className="text-slate-800">{index + 1}</strong> of {events.length} · position{' '}
              <span className="font-mono text-slate-800">{current.position}</span> · <span className="font-medium text-slate-800">{current.type}</span>
              {loading ? ' · loading…' : ''}
            </>
          ) : (
            <>Showing the order as it is now ({events.length} events). Scrub to see it as it was.</>
          )}
        </p>
      </div>
      <div className="mt-3 flex items-center gap-3">
        <label htmlFor={`${ids}-slider`} className="sr-only">
          Replay position
        </label>
        <input
          id={`${ids}-slider`}
          type="range"
          min={0}
          max={last}
          step={1}
          value={index}
          onChange={(e) => {
            setPlaying(false);
            go(Number(e.target.value));
          }}
          aria-valuetext={current ? `Event ${index + 1} of ${events.length}: ${current.type} at position ${current.position}` : undefined}
          className="h-2 w-full cursor-pointer accent-indigo-600"
          data-testid="replay-slider"
        />
      </div>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <button type="button" className="btn btn-sm" onClick={() => (setPlaying(false), go(0))} aria-label="First event" title="First event" data-testid="replay-first">
          <IconFirst />
        </button>
        <button type="button" className="btn btn-sm" onClick={() => (setPlaying(false), go(index - 1))} disabled={replaying && index <= 0} aria-label="Step back" title="Step back" data-testid="replay-back">
          <IconBack /> Back
        </button>
        <button
          type="button"
          className="btn btn-sm min-w-[4.5rem]"
          onClick={() => {
            if (playing) return setPlaying(false);
            if (!replaying || index >= last) go(0);
            setPlaying(true);
          }}
          aria-pressed={playing}
          data-testid="replay-play"
        >
          {playing ? (
            <>
              <IconPause /> Pause
            </>
          ) : (
            <>
              <IconPlay /> Play
            </>
          )}
        </button>
        <button type="button" className="btn btn-sm" onClick={() => (setPlaying(false), go(index + 1))} disabled={!replaying || index >= last} aria-label="Step forward" title="Step forward" data-testid="replay-forward">
          Forward <IconForward />
        </button>
        <button type="button" className="btn btn-sm" onClick={() => (setPlaying(false), go(last))} disabled={!replaying || index >= last} aria-label="Last event" title="Last event" data-testid="replay-last">
          <IconLast />
        </button>
        <label htmlFor={`${ids}-speed`} className="ml-1 text-xs text-slate-500">
          Speed
        </label>
        <select id={`${ids}-speed`} className="input w-auto py-1 text-xs" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
        {replaying ? (
          <button type="button" className="btn btn-sm ml-auto" onClick={() => (setPlaying(false), onChange(null))} data-testid="replay-exit">
            Back to now
          </button>
        ) : null}
      </div>
    </section>
  );
};
