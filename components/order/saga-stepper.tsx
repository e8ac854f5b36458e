'use client';
import { useEffect, useState } from 'react';
import { formatDuration, formatExact } from '@/components/lib/format';
import { RelTime, useNow } from '@/components/ui/rel-time';
import { Spinner } from '@/components/ui/states';
import type { Saga, SagaAt, SagaAttempt, SagaStep } from './saga-types';

const SAGA_STATUS: Record<string, { label: string; cls: string }> = {
  running: { label: 'Running', cls: 'bg-sky-50 text-sky-800 ring-sky-200' },
  completed: { label: 'Completed', cls: 'bg-emerald-50 text-emerald-800 ring-emerald-300' },
  compensating: { label: 'Compensating', cls: 'bg-amber-50 text-amber-900 ring-amber-300' },
  compensated: { label: 'Compensated', cls: 'bg-rose-50 text-rose-800 ring-rose-200' },
  failed: { label: 'Failed — needs attention', cls: 'bg-rose-100 text-rose-900 ring-rose-400' },
};

const STEP_STATUS: Record<string, string> = {
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  compensating: 'Undoing',
  compensated: 'Undone',
  skipped: 'Skipped',
};

const OUTCOME: Record<string, string> = {
  running: 'running',
  succeeded: 'succeeded',
  rejected: 'rejected',
  error: 'error',
  timeout: 'timed out',
};

const StepIcon = ({ status, compensation }: { status: string; compensation: boolean }) => {
  const base = 'relative z-10 grid size-7 shrink-0 place-items-center rounded-full text-xs font-bold ring-2 ring-white';
  switch (status) {
    case 'succeeded':
      return (
        <span className={`${base} ${compensation ? 'bg-amber-500' : 'bg-emerald-500'} text-white`} aria-hidden>
          {compensation ? '↩' : '✓'}
        </span>
      );
    case 'running':
      return (
        <span className={`${base} ${compensation ? 'bg-amber-100 text-amber-700' : 'bg-sky-100 text-sky-700'}`} aria-hidden>
          <Spinner className="size-4" />
        </span>
      );
    case 'failed':
      return (
        <span className={`${base} bg-rose-500 text-white`} aria-hidden>
          ✕
        </span>
      );
    case 'compensating':
      return (
        <span className={`${base} bg-amber-100 text-amber-700`} aria-hidden>
          <Spinner className="size-4" />
        </span>
      );
    case 'compensated':
      return (
        <span className={`${base} bg-amber-400 text-white`} aria-hidden>
          ↺
        </span>
      );
    case 'skipped':
      return (
        <span className={`${base} border border-dashed border-slate-300 bg-white text-slate-400`} aria-hidden>
          –
        </span>
      );
    default:
      return <span className={`${base} border-2 border-slate-300 bg-white`} aria-hidden />;
  }
};

const durationOf = (from: string | null, to: string | null, now: number) => {
  if (!from) return null;
  const end = to ? Date.parse(to) : now;
  return Math.max(0, end - Date.parse(from));
};

/** Re-renders every 250 ms while something is running, so its duration counts up. */
const useTicker = (active: boolean) => {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((t) => t + 1), 250);
    return () => clearInterval(timer);
  }, [active]);
};

const Attempts = ({ attempts, now }: { attempts: SagaAttempt[]; now: number }) => (
  <details className="mt-1.5 text-xs" open={attempts.length > 1}>
    <summary className="cursor-pointer text-slate-500 select-none hover:text-slate-800">
      {attempts.length} attempt{attempts.length === 1 ? '' : 's'}
    </summary>
    <ol className="mt-1 space-y-1 border-l border-slate-200 pl-3" data-testid="step-attempts">
      {attempts.map((a) => (
        <li key={a.attempt} data-testid="step-attempt" data-outcome={a.outcome} className="flex flex-wrap items-baseline gap-x-2">
          <span className="font-medium text-slate-700">#{a.attempt}</span>
          <span className={a.outcome === 'succeeded' ? 'text-emerald-700' : a.outcome === 'running' ? 'text-sky-700' : 'text-rose-700'}>{OUTCOME[a.outcome] ?? a.outcome}</span>
          <span className="text-slate-500" title={`${formatExact(a.startedAt)}${a.endedAt ? ` → ${formatExact(a.endedAt)}` : ''}`}>
            {formatDuration(durationOf(a.startedAt, a.endedAt, now))}
          </span>
          {a.error ? <span className="basis-full break-words text-rose-700">{a.error}</span> : null}
        </li>
      ))}
    </ol>
  </details>
);

const StepRow = ({ step, last, changed, now }: { step: SagaStep; last: boolean; changed: boolean; now: number }) => {
  const compensation = step.kind === 'compensation';
  const duration = durationOf(step.startedAt, step.endedAt, now);
  const attempts = step.attempts.length;
  return (
    <li className="relative flex gap-3 pb-4 last:pb-0" data-testid="saga-step" data-step={step.step} data-status={step.status} data-attempts={attempts} data-kind={step.kind}>
      {!last ? <span aria-hidden className={`absolute top-7 bottom-0 left-3.5 w-px ${compensation ? 'bg-amber-200' : 'bg-slate-200'}`} /> : null}
      <StepIcon status={step.status} compensation={compensation} />
      <div className={`min-w-0 flex-1 rounded-md px-1.5 ${changed ? 'changed' : ''}`}>
        <div className="flex flex-wrap items-baseline justify-between gap-x-2">
          <p className={`text-sm font-medium ${step.status === 'skipped' ? 'text-slate-400 line-through' : 'text-slate-900'}`}>{step.label}</p>
          <p className="text-xs text-slate-500">
            <span data-testid="step-status" className={step.status === 'failed' ? 'font-semibold text-rose-700' : step.status === 'compensated' || step.status === 'compensating' ? 'font-medium text-amber-700' : ''}>
              {STEP_STATUS[step.status] ?? step.status}
            </span>
            {duration !== null && step.status !== 'pending' ? <span> · {formatDuration(duration)}</span> : null}
            {attempts > 1 ? <span className="font-medium text-amber-700"> · {attempts} attempts</span> : null}
          </p>
        </div>
        {step.result ? <p className="text-xs break-words text-slate-600">{step.result}</p> : null}
        {step.lastError && step.status !== 'succeeded' ? (
          <p className="mt-0.5 text-xs break-words text-rose-700" data-testid="step-error">
            {step.lastError}
          </p>
        ) : null}
        {step.nextAttemptAt ? (
          <p className="mt-0.5 text-xs text-amber-700" data-testid="step-retry">
            Retrying <RelTime iso={step.nextAttemptAt} />
          </p>
        ) : null}
        {attempts > 0 ? <Attempts attempts={step.attempts} now={now} /> : null}
      </div>
    </li>
  );
};

/** The fulfilment saga as a vertical stepper; compensations appear as their own block once it turns back. */
export const SagaStepper = ({
  saga,
  changedSteps,
  historical = false,
}: {
  saga: Saga | SagaAt | null;
  changedSteps?: ReadonlySet<string>;
  historical?: boolean;
}) => {
  const running = saga !== null && !historical && (saga.status === 'running' || saga.status === 'compensating');
  useTicker(running);
  useNow();
  // Historical views measure up to the moment shown; live ones up to now (never before a start).
  const now = historical && saga ? Date.parse(saga.updatedAt) : Date.now();
  if (!saga) {
    return (
      <section className="panel p-4" data-testid="saga-stepper" data-status="none" aria-label="Fulfilment saga">
        <h2 className="panel-title">Fulfilment saga</h2>
        <p className="mt-2 text-sm text-slate-500">{historical ? 'The saga had not started at this point.' : 'The saga has not started yet; it picks up new orders within moments.'}</p>
      </section>
    );
  }
  const status = SAGA_STATUS[saga.status] ?? { label: saga.status, cls: 'bg-slate-100 text-slate-700 ring-slate-300' };
  const total = durationOf(saga.startedAt, saga.finishedAt, now);
  return (
    <section className="panel p-4" data-testid="saga-stepper" data-status={saga.status} aria-label="Fulfilment saga" aria-live="polite">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="panel-title">Fulfilment saga</h2>
        <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${status.cls}`} data-testid="saga-status">
          {status.label}
        </span>
      </div>
      <p className="mt-1 text-xs text-slate-500">
        Started <RelTime iso={saga.startedAt} /> · {saga.finishedAt ? 'took' : 'running for'} {formatDuration(total)}
        {saga.retries > 0 ? (
          <span className="font-medium text-amber-700" data-testid="saga-retries">
            {' '}
            · {saga.retries} retr{saga.retries === 1 ? 'y' : 'ies'}
          </span>
        ) : null}
      </p>
      <ol className="mt-4" aria-label="Forward steps">
        {saga.steps.map((step, i) => (
          <StepRow key={step.step} step={step} last={i === saga.steps.length - 1} changed={changedSteps?.has(step.step) ?? false} now={now} />
        ))}
      </ol>
      {saga.compensations.length > 0 || saga.reason ? (
        <div className="mt-4 rounded-md border border-amber-200 bg-amber-50/60 p-3" data-testid="saga-compensation">
          <p className="text-xs font-semibold tracking-wide text-amber-900 uppercase">Compensation</p>
          {saga.reason ? (
            <p className="mt-0.5 text-sm text-amber-950" data-testid="saga-reason">
              {saga.reason}
              {saga.cancelledBy && !saga.reason.toLowerCase().includes(`by ${saga.cancelledBy}`) ? <span className="text-amber-800"> · by {saga.cancelledBy}</span> : null}
            </p>
          ) : null}
          {saga.cancellationRequest ? (
            <p className="mt-0.5 text-xs text-amber-900">
              Customer asked: “{saga.cancellationRequest.reason}” <RelTime iso={saga.cancellationRequest.requestedAt} />
            </p>
          ) : null}
          {saga.compensations.length > 0 ? (
            <ol className="mt-3" aria-label="Compensations">
              {saga.compensations.map((step, i) => (
                <StepRow key={step.step} step={step} last={i === saga.compensations.length - 1} changed={changedSteps?.has(step.step) ?? false} now={now} />
              ))}
            </ol>
          ) : null}
        </div>
      ) : null}
      {saga.status === 'failed' ? (
        <p className="mt-3 rounded-md bg-rose-50 p-2 text-xs text-rose-900" role="alert">
          Retries ran out where nothing can be undone. Last error: {saga.lastError ?? 'unknown'}.
        </p>
      ) : null}
    </section>
  );
};
