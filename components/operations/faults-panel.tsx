'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useTRPCClient } from '@/components/trpc/client';
import { ErrorBox, Loading, Spinner } from '@/components/ui/states';
import { PARTICIPANTS, type Faults, type Participant } from './ops-api';

const NAMES: Record<Participant, { title: string; label: string; hint: string; defaults: { latencyMs: number; rate: number } }> = {
  inventory: { title: 'Inventory service', label: 'Inventory', hint: 'reserve, release and commit stock', defaults: { latencyMs: 150, rate: 0 } },
  payment: { title: 'Payment gateway', label: 'Payment', hint: 'charge and refund', defaults: { latencyMs: 300, rate: 0 } },
  shipping: { title: 'Shipping carrier', label: 'Shipping', hint: 'create and cancel shipments', defaults: { latencyMs: 250, rate: 0 } },
};

export const faultsQueryKey = ['orderflow', 'faults'] as const;

/** Latency and transient error rate per simulated participant; every worker applies them. */
export const FaultsPanel = () => {
  const ops = useTRPCClient();
  const faults = useQuery({ queryKey: faultsQueryKey, queryFn: () => ops.faults.get.query(), refetchInterval: 10_000 });
  return (
    <section className="panel" aria-labelledby="faults-title" data-testid="faults">
      <div className="border-b border-slate-200 px-4 py-3">
        <h2 id="faults-title" className="panel-title">
          Fault injection
        </h2>
        <p className="mt-0.5 text-xs text-slate-500">Added latency before each call, and the share of calls that fail with a retryable error. The saga retries with backoff, then compensates.</p>
      </div>
      {faults.error && !faults.data ? (
        <ErrorBox title="Could not load the fault settings" error={faults.error} retry={() => void faults.refetch()} />
      ) : !faults.data ? (
        <Loading label="Loading fault settings…" />
      ) : (
        <ul className="divide-y divide-slate-100">
          {PARTICIPANTS.map((p) => (
            <FaultRow key={p} participant={p} current={faults.data[p]} />
          ))}
        </ul>
      )}
    </section>
  );
};

const FaultRow = ({ participant, current }: { participant: Participant; current: Faults[Participant] }) => {
  const ops = useTRPCClient();
  const queryClient = useQueryClient();
  const ids = useId();
  const name = NAMES[participant];
  const [latency, setLatency] = useState(String(current.latencyMs));
  const [rate, setRate] = useState(String(Math.round(current.transientErrorRate * 100)));
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (dirty) return;
    setLatency(String(current.latencyMs));
    setRate(String(Math.round(current.transientErrorRate * 100)));
  }, [current.latencyMs, current.transientErrorRate, dirty]);

  const save = useMutation({
    mutationFn: (values: { latencyMs: number; transientErrorRate: number }) => ops.faults.set.mutate({ participant, ...values }),
    onSuccess: (all) => {
      queryClient.setQueryData(faultsQueryKey, all);
      setDirty(false);
    },
  });

  const apply = (values?: { latencyMs: number; rate: number }) => {
    const latencyMs = values ? values.latencyMs : Number(latency);
    const percent = values ? values.rate : Number(rate);
    if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > 60_000) return setError('Latency must be a whole number of ms from 0 to 60000');
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) return setError('Error rate must be between 0 and 100 %');
    setError(null);
    if (values) {
      setLatency(String(values.latencyMs));
      setRate(String(values.rate));
    }
    save.mutate({ latencyMs, transientErrorRate: percent / 100 });
  };

  const faulty = current.transientErrorRate > 0 || current.latencyMs > name.defaults.latencyMs;
  return (
    <li className="px-4 py-3" data-testid={`fault-${participant}`}>
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <p className="text-sm font-semibold">
            {name.title} <span className="text-xs font-normal text-slate-500">· {name.hint}</span>
          </p>
          <span className={`text-xs font-medium ${faulty ? 'text-amber-700' : 'text-emerald-700'}`}>
            now {current.latencyMs} ms · {Math.round(current.transientErrorRate * 100)} % errors
          </span>
        </div>
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-[8rem_minmax(0,1fr)_auto] sm:items-end">
          <div>
            <label htmlFor={`${ids}-latency`} className="label">
              <span className="sr-only">{name.label} </span>Latency <span className="normal-case">(ms)</span>
            </label>
            <input
              id={`${ids}-latency`}
              className="input text-right tabular-nums"
              inputMode="numeric"
              value={latency}
              aria-label={`${name.label} latency (ms)`}
              onChange={(e) => (setLatency(e.target.value), setDirty(true))}
            />
          </div>
          <div>
            <label htmlFor={`${ids}-rate`} className="label">
              <span className="sr-only">{name.label} </span>Transient error rate <span className="normal-case">(%)</span>
            </label>
            <div className="flex items-center gap-2">
              <input
                type="range"
                min={0}
                max={100}
                step={5}
                value={Number(rate) || 0}
                onChange={(e) => (setRate(e.target.value), setDirty(true))}
                className="hidden w-full accent-amber-600 sm:block"
                aria-hidden
                tabIndex={-1}
              />
              <input
                id={`${ids}-rate`}
                className="input w-20 text-right tabular-nums"
                inputMode="decimal"
                value={rate}
                aria-label={`${name.label} transient error rate (%)`}
                onChange={(e) => (setRate(e.target.value), setDirty(true))}
              />
            </div>
          </div>
          <div className="col-span-2 flex gap-2 sm:col-span-1">
            <button type="submit" className="btn btn-sm btn-primary" disabled={save.isPending}>
              {save.isPending ? <Spinner className="size-3" /> : null}
              Apply
            </button>
            <button type="button" className="btn btn-sm" disabled={save.isPending} onClick={() => apply(name.defaults)} aria-label={`Reset ${name.label} to defaults`}>
              Reset
            </button>
          </div>
        </div>
        {error ? <p className="field-error">{error}</p> : null}
        {save.error ? <p className="field-error">{save.error.message}</p> : null}
        {save.isSuccess && !dirty ? (
          <p className="text-xs text-emerald-700" role="status" data-testid="fault-saved">
            Saved — applies to the next call.
          </p>
        ) : null}
      </form>
    </li>
  );
};
