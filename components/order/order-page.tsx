'use client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useCallback, useId, useMemo, useState, type ReactNode } from 'react';
import { cancelOrderInput } from '@/server/handlers/order-inputs';
import { rememberWrite } from '@/components/live/live-store';
import { formatMoney } from '@/components/lib/format';
import { useTRPC, useTRPCClient } from '@/components/trpc/client';
import { RelTime } from '@/components/ui/rel-time';
import { ErrorBox, Loading, Skeleton } from '@/components/ui/states';
import { StatusBadge } from '@/components/ui/status-badge';
import { changedFields, viewFromById, viewFromStateAt, type ChangedField, type OrderView } from './order-view';
import { indexAt, ReplayControls } from './replay';
import { SagaStepper } from './saga-stepper';
import { sagaAtOf, sagaOf, type Saga, type SagaAt } from './saga-types';
import { Timeline } from './timeline';
import { isNotFound, orderQueryKey, useOrder } from './use-order';

const parseAt = (value: string | null) => (value && /^\d+$/.test(value) ? Number(value) : null);

const setUrlAt = (position: number | null) => {
  const params = new URLSearchParams(window.location.search);
  if (position === null) params.delete('at');
  else params.set('at', String(position));
  const qs = params.toString();
  window.history.replaceState(null, '', qs ? `?${qs}` : window.location.pathname);
};

const cancelBlockedReason = (status: string): string | null => {
  switch (status) {
    case 'placed':
    case 'inventory_reserved':
    case 'paid':
      return null;
    case 'shipment_created':
      return 'The shipment has been created: the order can no longer be cancelled (it would be a return).';
    case 'cancelling':
      return 'Cancellation was requested; the saga is undoing the steps.';
    case 'confirmed':
      return 'The order is complete.';
    case 'cancelled':
      return 'The order is already cancelled.';
    default:
      return 'The order cannot be cancelled in its current state.';
  }
};

const sagaChanges = (before: Saga | SagaAt | null, after: Saga | SagaAt | null): Set<string> => {
  const out = new Set<string>();
  if (!after) return out;
  const prev = new Map([...(before?.steps ?? []), ...(before?.compensations ?? [])].map((s) => [s.step, s]));
  for (const step of [...after.steps, ...after.compensations]) {
    const was = prev.get(step.step);
    if (!was || was.status !== step.status || was.attempts.length !== step.attempts.length || was.lastError !== step.lastError) {
      if (before || step.status !== 'pending') out.add(step.step);
    }
  }
  return out;
};

export const OrderPage = ({ orderId }: { orderId: string }) => {
  const trpc = useTRPC();
  const params = useSearchParams();
  const at = parseAt(params.get('at'));
  const { order, timeline } = useOrder(orderId);
  const events = useMemo(() => timeline.data?.events ?? [], [timeline.data]);
  const index = indexAt(events, at);
  const replayPosition = at === null ? null : (events[index]?.position ?? at);
  const previousPosition = at === null || index <= 0 ? null : (events[index - 1]?.position ?? null);

  const stateAt = useQuery(
    trpc.orders.stateAt.queryOptions(
      { orderId, position: replayPosition ?? 0 },
      { enabled: replayPosition !== null, staleTime: Infinity, placeholderData: keepPreviousData, retry: 1 },
    ),
  );
  const previousAt = useQuery(
    trpc.orders.stateAt.queryOptions({ orderId, position: previousPosition ?? 0 }, { enabled: previousPosition !== null, staleTime: Infinity, retry: 1 }),
  );

  const setAt = useCallback((position: number | null) => setUrlAt(position), []);

  if (order.isPending) {
    return order.failureCount > 0 ? <Loading label="Looking for the order — it may still be on its way…" /> : <OrderSkeleton />;
  }
  if (order.error && !order.data) {
    if (isNotFound(order.error)) {
      return (
        <div className="panel p-6" data-testid="order-not-found">
          <h1 className="text-lg font-semibold">Order not found</h1>
          <p className="mt-1 text-sm text-slate-600">
            No order has the id <span className="font-mono">{orderId}</span>.
          </p>
          <Link href="/" className="btn mt-4">
            Back to the dashboard
          </Link>
        </div>
      );
    }
    return <ErrorBox title="Could not load the order" error={order.error} retry={() => void order.refetch()} />;
  }

  const current = viewFromById(order.data);
  const replaying = at !== null;
  const historical = replaying && stateAt.data && stateAt.data.position === replayPosition ? stateAt.data : replaying ? stateAt.data : undefined;
  const shown: OrderView = replaying && historical ? viewFromStateAt(historical) : current;
  const previousView = previousAt.data && previousPosition !== null ? viewFromStateAt(previousAt.data) : null;
  const changed = replaying ? changedFields(previousView, shown) : new Set<ChangedField>();
  const saga = replaying ? sagaAtOf(historical?.saga) : sagaOf(order.data.saga);
  const stepsChanged = replaying && previousPosition !== null ? sagaChanges(sagaAtOf(previousAt.data?.saga), saga) : new Set<string>();
  const hl = (field: ChangedField) => (changed.has(field) ? 'changed' : '');

  return (
    <div className="space-y-5" data-testid="order-page" data-order-id={orderId}>
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="text-xs text-slate-500">
            <Link href="/" className="hover:underline">
              Dashboard
            </Link>{' '}
            / Order
          </p>
          <h1 className="mt-0.5 flex flex-wrap items-center gap-x-3 gap-y-1 text-lg font-semibold tracking-tight">
            <span className="font-mono text-[0.8rem] break-all sm:text-lg" data-testid="order-id">
              {orderId}
            </span>
            <span className={`${hl('status')} rounded-full`} data-testid="order-status" data-status={shown.status}>
              <StatusBadge status={shown.status} />
            </span>
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            {shown.customerName} · {formatMoney(shown.totalCents)} · placed <RelTime iso={shown.placedAt} /> · updated <RelTime iso={shown.updatedAt} className={hl('updatedAt')} /> · v{shown.version}
          </p>
        </div>
        <CancelOrder orderId={orderId} status={current.status} />
      </header>

      {replaying ? (
        <div className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-indigo-200 bg-indigo-50 px-4 py-2 text-sm text-indigo-900" role="status" data-testid="replay-banner">
          <span>
            Viewing history: the order as it was right after position <span className="font-mono font-semibold">{replayPosition}</span>
            {changed.size > 0 ? <> · changed: {[...changed].join(', ')}</> : null}
          </span>
          <button type="button" className="btn btn-sm" onClick={() => setAt(null)}>
            Back to now
          </button>
        </div>
      ) : order.data.stale ? (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900" role="status">
          This view may be a moment behind; it updates as soon as the server catches up.
        </p>
      ) : null}

      {timeline.data ? <ReplayControls events={events} at={at} onChange={setAt} loading={replaying && stateAt.isFetching} /> : null}

      <div className="grid grid-cols-[minmax(0,1fr)] gap-5 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="space-y-5">
          {shown.cancellation ? (
            <div className={`rounded-md border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-900 ${hl('cancellation')}`} data-testid="cancellation-reason">
              <span className="font-semibold">{shown.status === 'cancelled' ? 'Cancelled' : 'Cancellation requested'}:</span> {shown.cancellation.reason}
              {saga?.cancellationRequest && saga.cancellationRequest.reason !== shown.cancellation.reason ? (
                <span> — customer said “{saga.cancellationRequest.reason}”</span>
              ) : null}
              {shown.cancellation.cancelledBy && !shown.cancellation.reason.toLowerCase().includes(`by ${shown.cancellation.cancelledBy}`) ? (
                <span className="text-rose-700"> · by {shown.cancellation.cancelledBy}</span>
              ) : null}
            </div>
          ) : null}

          <Panel title="Lines">
            <div className="overflow-x-auto">
              <table className={`w-full text-sm ${hl('lines')}`}>
                <thead className="text-left text-xs text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-2 font-medium">Product</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Qty</th>
                    <th scope="col" className="px-2 py-1 text-right font-medium">Unit</th>
                    <th scope="col" className="py-1 pl-2 text-right font-medium">Total</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {shown.lines.map((line) => (
                    <tr key={line.sku} data-testid="order-line-row">
                      <td className="py-1.5 pr-2">
                        {line.name} <span className="font-mono text-xs text-slate-400">{line.sku}</span>
                      </td>
                      <td className="px-2 py-1.5 text-right tabular-nums">{line.quantity}</td>
                      <td className="px-2 py-1.5 text-right tabular-nums">{formatMoney(line.unitPriceCents)}</td>
                      <td className="py-1.5 pl-2 text-right tabular-nums">{formatMoney(line.lineTotalCents)}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr className="border-t border-slate-200 font-semibold">
                    <td className="py-1.5 pr-2" colSpan={3}>
                      Total · {shown.itemCount} item{shown.itemCount === 1 ? '' : 's'}
                    </td>
                    <td className={`py-1.5 pl-2 text-right tabular-nums ${hl('totalCents')}`} data-testid="order-total">
                      {formatMoney(shown.totalCents)}
                    </td>
                  </tr>
                </tfoot>
              </table>
            </div>
          </Panel>

          <div className="grid grid-cols-[minmax(0,1fr)] gap-5 sm:grid-cols-2">
            <Panel title="Customer & address">
              <address className={`text-sm not-italic ${hl('shippingAddress')}`}>
                <span className="font-medium">{shown.shippingAddress.name}</span>
                <br />
                {shown.shippingAddress.line1}
                <br />
                {shown.shippingAddress.postalCode} {shown.shippingAddress.city}
                <br />
                <span className="font-mono">{shown.shippingAddress.country}</span>
              </address>
              <p className="mt-2 text-xs text-slate-500">
                Customer {shown.customerName} · <span className="font-mono">{shown.customerId}</span>
              </p>
            </Panel>
            <Panel title="Payment & shipment">
              <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
                <dt className="text-slate-500">Payment</dt>
                <dd className={`min-w-0 truncate font-mono text-xs leading-5 ${hl('payment')}`} data-testid="payment-ref" title={shown.payment?.paymentId}>
                  {shown.payment ? shown.payment.paymentId : <span className="font-sans text-slate-400">not charged</span>}
                </dd>
                <dt className="text-slate-500">Paid</dt>
                <dd className={hl('payment')}>{shown.payment ? formatMoney(shown.payment.amountCents) : '—'}</dd>
                <dt className="text-slate-500">Shipment</dt>
                <dd className={`min-w-0 truncate font-mono text-xs leading-5 ${hl('shipment')}`} data-testid="shipment-ref" title={shown.shipment?.shipmentId}>
                  {shown.shipment ? shown.shipment.shipmentId : <span className="font-sans text-slate-400">not created</span>}
                </dd>
                <dt className="text-slate-500">Carrier</dt>
                <dd className={`min-w-0 truncate ${hl('shipment')}`}>
                  {shown.shipment ? (
                    <>
                      {shown.shipment.carrier} <span className="font-mono text-xs">{shown.shipment.trackingNumber}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </dd>
              </dl>
            </Panel>
          </div>
        </div>

        <div className="order-first space-y-5 lg:order-none">
          <SagaStepper saga={saga} changedSteps={stepsChanged} historical={replaying} />
        </div>
      </div>

      {timeline.error && !timeline.data ? (
        <ErrorBox title="Could not load the timeline" error={timeline.error} retry={() => void timeline.refetch()} />
      ) : !timeline.data ? (
        <div className="panel">
          <Loading label="Loading the timeline…" />
        </div>
      ) : (
        <Timeline events={events} selectedIndex={index} replaying={replaying} onSelect={setAt} />
      )}
    </div>
  );
};

const Panel = ({ title, children }: { title: string; children: ReactNode }) => (
  <section className="panel p-4">
    <h2 className="panel-title mb-2">{title}</h2>
    {children}
  </section>
);

const OrderSkeleton = () => (
  <div className="space-y-5" aria-busy="true" aria-label="Loading the order">
    <Skeleton className="h-7 w-2/3" />
    <Skeleton className="h-4 w-1/2" />
    <div className="grid grid-cols-[minmax(0,1fr)] gap-5 lg:grid-cols-[minmax(0,1fr)_24rem]">
      <Skeleton className="h-48 w-full" />
      <Skeleton className="h-64 w-full" />
    </div>
  </div>
);

const CancelOrder = ({ orderId, status }: { orderId: string; status: string }) => {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const blocked = cancelBlockedReason(status);
  const cancel = useMutation({
    mutationFn: (input: { orderId: string; reason: string }) => client.orders.cancel.mutate(input),
    onSuccess: async (result) => {
      rememberWrite(orderId, result.position);
      setOpen(false);
      setReason('');
      await queryClient.invalidateQueries({ queryKey: orderQueryKey(orderId) });
    },
  });
  return (
    <div className="flex max-w-xs flex-col items-start gap-1 sm:items-end">
      <button
        type="button"
        className="btn btn-danger"
        disabled={Boolean(blocked) || cancel.isPending}
        aria-describedby={blocked ? `${ids}-why` : undefined}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="cancel-order"
      >
        Cancel order
      </button>
      {blocked ? (
        <p id={`${ids}-why`} className="text-xs text-slate-500 sm:text-right" data-testid="cancel-blocked-reason">
          {blocked}
        </p>
      ) : null}
      {open && !blocked ? (
        <form
          className="panel mt-1 w-72 space-y-2 p-3"
          onSubmit={(e) => {
            e.preventDefault();
            const parsed = cancelOrderInput.safeParse({ orderId, reason });
            if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? 'Invalid');
            setError(null);
            cancel.mutate({ orderId, reason: parsed.data.reason });
          }}
        >
          <label htmlFor={`${ids}-reason`} className="label">
            Reason
          </label>
          <textarea
            id={`${ids}-reason`}
            className="input"
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={Boolean(error)}
            aria-describedby={error ? `${ids}-reason-error` : undefined}
            autoFocus
          />
          {error ? (
            <p id={`${ids}-reason-error`} className="field-error">
              {error}
            </p>
          ) : null}
          {cancel.error ? <p className="field-error">{cancel.error.message}</p> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn btn-sm" onClick={() => setOpen(false)}>
              Keep order
            </button>
            <button type="submit" className="btn btn-sm btn-primary" disabled={cancel.isPending} data-testid="confirm-cancel">
              Request cancellation
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
};
