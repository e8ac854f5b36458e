'use client';
import type { TimelineEvent } from '@/components/lib/types';
import { JsonView } from '@/components/ui/json-view';
import { IconRewindTo } from '@/components/ui/icons';
import { RelTime } from '@/components/ui/rel-time';
import { useToggleSet } from '@/components/lib/use-toggle-set';

const STREAM_TONE: Record<string, string> = {
  order: 'bg-indigo-50 text-indigo-800 ring-indigo-200',
  fulfilment: 'bg-sky-50 text-sky-800 ring-sky-200',
  payment: 'bg-violet-50 text-violet-800 ring-violet-200',
  shipment: 'bg-teal-50 text-teal-800 ring-teal-200',
  inventory: 'bg-orange-50 text-orange-800 ring-orange-200',
};

export const streamKind = (streamId: string) => {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
};

const FAILURE = /(Declined|Rejected|Failed|Cancelled|Released|Refunded|Compensat)/;

export const StreamBadge = ({ streamId }: { streamId: string }) => {
  const kind = streamKind(streamId);
  return (
    <span className={`inline-block max-w-full truncate rounded px-1.5 py-0.5 font-mono text-[11px] ring-1 ring-inset ${STREAM_TONE[kind] ?? 'bg-slate-100 text-slate-700 ring-slate-200'}`} title={streamId}>
      {kind}
    </span>
  );
};

export const ShortId = ({ id, label }: { id: string | null | undefined; label: string }) =>
  id ? (
    <span className="font-mono" title={`${label}: ${id}`}>
      {id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id}
    </span>
  ) : (
    <span className="text-slate-400">—</span>
  );

/** Every event of the order in global order, with the replay point marked. */
export const Timeline = ({
  events,
  selectedIndex,
  replaying,
  onSelect,
}: {
  events: readonly TimelineEvent[];
  selectedIndex: number;
  replaying: boolean;
  onSelect: (position: number) => void;
}) => {
  const { open, setOpen, toggle } = useToggleSet<number>();
  const allOpen = events.length > 0 && events.every((e) => open.has(e.position));
  return (
    <section className="panel" aria-labelledby="timeline-title" data-testid="timeline">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="timeline-title" className="panel-title">
          Timeline <span className="font-normal text-slate-500">· {events.length} events, global order</span>
        </h2>
        <button type="button" className="btn btn-sm" onClick={() => setOpen(allOpen ? new Set() : new Set(events.map((e) => e.position)))}>
          {allOpen ? 'Collapse all' : 'Expand all'}
        </button>
      </div>
      <ol className="divide-y divide-slate-100">
        {events.map((event, i) => {
          const expanded = open.has(event.position);
          const selected = replaying && i === selectedIndex;
          const future = replaying && i > selectedIndex;
          return (
            <li
              key={event.position}
              className={`px-4 py-2.5 ${selected ? 'bg-indigo-50' : ''} ${future ? 'opacity-45' : ''}`}
              data-testid="timeline-event"
              data-position={event.position}
              data-type={event.type}
              aria-current={selected ? 'step' : undefined}
            >
              <div className="grid grid-cols-[3.5rem_minmax(0,1fr)_auto] items-start gap-x-3 gap-y-1 sm:grid-cols-[3.5rem_minmax(0,1.4fr)_minmax(0,1fr)_6rem_auto]">
                <span className="pt-0.5 font-mono text-xs text-slate-500" title="Global position">
                  #{event.position}
                </span>
                <div className="min-w-0">
                  <p className={`truncate text-sm font-medium ${FAILURE.test(event.type) ? 'text-rose-800' : 'text-slate-900'}`}>{event.type}</p>
                  <p className="mt-0.5 flex min-w-0 items-center gap-1.5 text-xs text-slate-500">
                    <StreamBadge streamId={event.streamId} />
                    <span className="truncate font-mono" title={event.streamId}>
                      v{event.version}
                    </span>
                  </p>
                </div>
                <div className="col-span-3 row-start-2 min-w-0 text-xs text-slate-500 sm:col-span-1 sm:row-start-auto">
                  <p className="truncate">
                    corr <ShortId id={event.metadata.correlationId} label="Correlation id" />
                  </p>
                  <p className="truncate">
                    cause <ShortId id={event.metadata.causationId} label="Causation id" />
                  </p>
                </div>
                <span className="hidden pt-0.5 text-xs text-slate-600 sm:block">
                  <RelTime iso={event.metadata.occurredAt} />
                </span>
                <div className="flex items-center gap-1">
                  <button type="button" className="btn btn-sm" onClick={() => onSelect(event.position)} aria-label={`Replay to event ${i + 1}, ${event.type}`} title="Show the order as it was right after this event">
                    <IconRewindTo />
                  </button>
                  <button type="button" className="btn btn-sm" aria-expanded={expanded} aria-controls={`event-${event.position}-payload`} onClick={() => toggle(event.position)} data-testid="toggle-payload">
                    {expanded ? 'Hide' : 'JSON'}
                  </button>
                </div>
              </div>
              {expanded ? (
                <div id={`event-${event.position}-payload`} className="mt-2 grid gap-2 lg:grid-cols-2">
                  <div>
                    <p className="mb-1 text-xs font-semibold text-slate-500">data</p>
                    <JsonView value={event.data} />
                  </div>
                  <div>
                    <p className="mb-1 text-xs font-semibold text-slate-500">metadata · recorded <RelTime iso={event.recordedAt} /></p>
                    <JsonView value={{ streamId: event.streamId, version: event.version, position: event.position, ...event.metadata }} />
                  </div>
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
};
