'use client';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { liveStore, useLive, type LiveOrderSummary } from '@/components/live/live-store';
import { ORDER_STATUSES, type OrderStatus, type OrderSummary } from '@/components/lib/types';
import { formatMoney, statusLabel } from '@/components/lib/format';
import { useTRPC, useTRPCClient } from '@/components/trpc/client';
import { RelTime, useNow } from '@/components/ui/rel-time';
import { Empty, ErrorBox, Spinner } from '@/components/ui/states';
import { StatusBadge } from '@/components/ui/status-badge';
import { OrdersChart } from './orders-chart';
import { StatCards } from './stat-cards';

const PAGE_SIZES = [10, 25, 50, 100] as const;

type Row = (OrderSummary | LiveOrderSummary) & { isNew?: boolean; leftFilter?: boolean };

type Filter = { status?: OrderStatus; customerId?: string; search?: string };

const matches = (order: LiveOrderSummary, filter: Filter) =>
  (!filter.status || order.status === filter.status) &&
  (!filter.customerId || order.customerId === filter.customerId) &&
  (!filter.search || order.orderId.startsWith(filter.search.toLowerCase()));

const useStats = () => {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const stats = useQuery({
    queryKey: ['orderflow', 'stats'],
    queryFn: () => client.stats.dashboard.query({ minPosition: liveStore.lastPosition || undefined }),
    refetchInterval: 30_000,
  });
  // Refresh the figures when orders change, at most about once a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = liveStore.onChange(() => {
      timer ??= setTimeout(() => {
        timer = null;
        void queryClient.invalidateQueries({ queryKey: ['orderflow', 'stats'] });
      }, 1000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [queryClient]);
  return stats;
};

export const Dashboard = () => {
  const trpc = useTRPC();
  const pathname = usePathname();
  const params = useSearchParams();
  const live = useLive();
  const now = useNow();
  const ids = useId();

  const status = (ORDER_STATUSES as readonly string[]).includes(params.get('status') ?? '') ? (params.get('status') as OrderStatus) : undefined;
  const customerId = params.get('customer') || undefined;
  const search = params.get('q') || undefined;
  const sizeParam = Number(params.get('size'));
  const limit = (PAGE_SIZES as readonly number[]).includes(sizeParam) ? sizeParam : 25;
  const filter: Filter = useMemo(() => ({ status, customerId, search }), [status, customerId, search]);

  // Keyset paging: a stack of the cursors that led to the current page.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const filterKey = `${status}|${customerId}|${search}|${limit}`;
  const lastFilterKey = useRef(filterKey);
  if (lastFilterKey.current !== filterKey) {
    lastFilterKey.current = filterKey;
    if (cursors.length > 0) setCursors([]);
  }

  const [searchText, setSearchText] = useState(search ?? '');
  // The search box follows the URL (back/forward, Clear), but not its own debounced writes.
  const writtenSearch = useRef(search ?? '');
  useEffect(() => {
    if ((search ?? '') !== writtenSearch.current) setSearchText(search ?? '');
    writtenSearch.current = search ?? '';
  }, [search]);

  const setParam = (patch: Record<string, string | undefined>) => {
    // Read the URL now, not the render's copy: a debounced call must not undo a newer change.
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(patch)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    const qs = next.toString();
    window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
  };

  // Debounced search by order id prefix.
  useEffect(() => {
    const value = searchText.trim();
    if (value === (search ?? '')) return;
    const timer = setTimeout(() => {
      writtenSearch.current = value;
      setParam({ q: value || undefined });
    }, 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [searchText]);

  const stats = useStats();
  const customers = useQuery(trpc.customers.list.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  const list = useQuery(
    trpc.orders.list.queryOptions({ status, customerId, search, cursor: cursor ?? null, limit }, { placeholderData: keepPreviousData }),
  );

  useEffect(() => {
    if (list.data) liveStore.notePosition(list.data.position);
  }, [list.data]);
  // An answer older than the live feed's start may have missed a change: ask again once.
  const { refetch } = list;
  const listPosition = list.data?.position;
  useEffect(() => {
    if (listPosition !== undefined && live.liveFrom !== null && listPosition < live.liveFrom) void refetch();
  }, [listPosition, live.liveFrom, refetch]);

  // An older order that starts matching the filter (e.g. it just completed) is not in this page
  // and its place in the keyset order is unknown here: ask the server again, at most once a second.
  const pageIds = useMemo(() => new Set(list.data?.items.map((o) => o.orderId)), [list.data]);
  useEffect(() => {
    if (!status && !customerId && !search) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = liveStore.onChange((change) => {
      const known = liveStore.order(change.orderId);
      if (pageIds.has(change.orderId) || known?.placedPosition != null || !matches(change.order, filter)) return;
      timer ??= setTimeout(() => {
        timer = null;
        void refetch();
      }, 1000);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [status, customerId, search, filter, pageIds, refetch]);

  const { rows, newerElsewhere } = useMemo(() => {
    const data = list.data;
    if (!data) return { rows: [] as Row[], newerElsewhere: 0 };
    const page: Row[] = data.items.map((item) => {
      const fresher = live.orders.get(item.orderId);
      const row: Row = fresher && fresher.summary.version > item.version ? fresher.summary : item;
      return matches(row, filter) ? row : { ...row, leftFilter: true };
    });
    const seen = new Set(page.map((r) => r.orderId));
    const newer = [...live.orders.values()]
      .filter((o) => o.placedPosition !== null && o.placedPosition > data.position && !seen.has(o.summary.orderId) && matches(o.summary, filter))
      .sort((a, b) => b.placedPosition! - a.placedPosition!);
    if (cursor) return { rows: page, newerElsewhere: newer.length };
    return { rows: [...newer.map((o) => ({ ...o.summary, isNew: true })), ...page], newerElsewhere: 0 };
  }, [list.data, live.orders, filter, cursor]);

  const filtered = Boolean(status || customerId || search);
  const pageNumber = cursors.length + 1;

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Dashboard</h1>
          <p className="text-sm text-slate-500">Orders as they happen. Rows update live; figures follow within a second.</p>
        </div>
        <Link href="/orders/new" className="btn btn-primary">
          Place an order
        </Link>
      </div>

      <StatCards stats={stats.data} error={stats.error} />
      {stats.error ? <ErrorBox title="Could not load the figures" error={stats.error} retry={() => void stats.refetch()} /> : null}

      <OrdersChart stats={stats.data} now={now || Date.now()} />

      <section className="panel" aria-labelledby={`${ids}-orders`}>
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
          <h2 id={`${ids}-orders`} className="panel-title">
            Orders
          </h2>
          <span className="flex items-center gap-2 text-xs text-slate-500" aria-live="polite">
            {list.isFetching ? <Spinner className="size-3" /> : null}
            {list.data ? `as of position ${Math.max(list.data.position, live.lastPosition)}` : null}
          </span>
        </div>
        <form
          role="search"
          aria-label="Filter orders"
          className="grid grid-cols-2 gap-3 border-b border-slate-200 px-4 py-3 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1.4fr)_auto_auto] sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            writtenSearch.current = searchText.trim();
            setParam({ q: searchText.trim() || undefined });
          }}
        >
          <div className="col-span-2 sm:col-span-1">
            <label htmlFor={`${ids}-search`} className="label">
              Order id
            </label>
            <input
              id={`${ids}-search`}
              type="search"
              className="input font-mono"
              placeholder="Search by id prefix…"
              value={searchText}
              onChange={(e) => setSearchText(e.target.value)}
              data-testid="filter-search"
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <div>
            <label htmlFor={`${ids}-status`} className="label">
              Status
            </label>
            <select id={`${ids}-status`} className="input" value={status ?? ''} onChange={(e) => setParam({ status: e.target.value || undefined })} data-testid="filter-status">
              <option value="">All statuses</option>
              {ORDER_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${ids}-customer`} className="label">
              Customer
            </label>
            <select id={`${ids}-customer`} className="input" value={customerId ?? ''} onChange={(e) => setParam({ customer: e.target.value || undefined })} data-testid="filter-customer">
              <option value="">All customers</option>
              {customers.data?.items.map((c) => (
                <option key={c.customerId} value={c.customerId}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${ids}-size`} className="label">
              Per page
            </label>
            <select id={`${ids}-size`} className="input" value={limit} onChange={(e) => setParam({ size: e.target.value === '25' ? undefined : e.target.value })} data-testid="page-size">
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <div className="flex items-end">
            <button type="button" className="btn w-full" disabled={!filtered} onClick={() => setParam({ status: undefined, customer: undefined, q: undefined })}>
              Clear
            </button>
          </div>
        </form>

        {newerElsewhere > 0 ? (
          <div className="flex items-center justify-between gap-2 border-b border-indigo-100 bg-indigo-50 px-4 py-2 text-sm text-indigo-900" role="status">
            <span>
              {newerElsewhere} new order{newerElsewhere === 1 ? '' : 's'} since this page loaded
            </span>
            <button type="button" className="btn btn-sm" onClick={() => setCursors([])}>
              Back to newest
            </button>
          </div>
        ) : null}

        {list.error && !list.data ? (
          <ErrorBox title="Could not load the orders" error={list.error} retry={() => void list.refetch()} />
        ) : (
          <OrdersTable rows={rows} loading={!list.data} filtered={filtered} />
        )}

        <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-slate-200 px-4 py-3 text-sm">
          <button type="button" className="btn" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="page-prev">
            ← Newer
          </button>
          <span className="text-slate-600" data-testid="page-number">
            Page {pageNumber}
          </span>
          <button
            type="button"
            className="btn"
            disabled={!list.data?.nextCursor || list.isPlaceholderData}
            onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data!.nextCursor!])}
            data-testid="page-next"
          >
            Older →
          </button>
        </nav>
      </section>
    </div>
  );
};

const OrdersTable = ({ rows, loading, filtered }: { rows: Row[]; loading: boolean; filtered: boolean }) => {
  if (!loading && rows.length === 0) {
    return (
      <Empty title={filtered ? 'No orders match these filters' : 'No orders yet'}>
        {filtered ? 'Try another status or customer, or clear the filters.' : <Link className="text-indigo-700 underline" href="/orders/new">Place the first order</Link>}
      </Empty>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full table-fixed text-sm" data-testid="orders-table">
        <caption className="sr-only">Orders, newest first</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold text-slate-500 uppercase">
          <tr>
            <th scope="col" className="w-auto px-4 py-2 sm:w-[11.5rem]">Order</th>
            <th scope="col" className="w-[7.5rem] px-2 py-2 sm:w-[8.5rem]">Status</th>
            <th scope="col" className="hidden px-2 py-2 sm:table-cell">Customer</th>
            <th scope="col" className="hidden w-16 px-2 py-2 text-right sm:table-cell">Items</th>
            <th scope="col" className="w-[5.5rem] px-3 py-2 text-right sm:w-24 sm:px-2">Total</th>
            <th scope="col" className="hidden w-24 px-2 py-2 sm:table-cell">Placed</th>
            <th scope="col" className="hidden w-24 px-2 py-2 md:table-cell">Updated</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {loading
            ? Array.from({ length: 6 }, (_, i) => (
                <tr key={i} className="h-14 sm:h-11">
                  <td colSpan={7} className="px-4">
                    <span className="block h-4 animate-pulse rounded bg-slate-100" />
                  </td>
                </tr>
              ))
            : rows.map((row) => <OrderRow key={row.orderId} row={row} />)}
        </tbody>
      </table>
    </div>
  );
};

const OrderRow = ({ row }: { row: Row }) => {
  // Flash the status only when it changes while on screen, not when the row first appears.
  const firstVersion = useRef(row.version);
  const changed = row.version !== firstVersion.current;
  return (
    <tr
      className={`h-14 hover:bg-slate-50 sm:h-11 ${row.isNew ? 'animate-row-in' : ''} ${row.leftFilter ? 'opacity-50' : ''}`}
      data-testid="order-row"
      data-order-id={row.orderId}
      data-status={row.status}
      data-customer-id={row.customerId}
      data-version={row.version}
      title={row.leftFilter ? 'This order changed and no longer matches the filter' : undefined}
    >
      <td className="truncate px-4">
        <Link href={`/orders/${row.orderId}`} className="font-mono text-xs text-indigo-700 hover:underline" title={row.orderId} aria-label={`Order ${row.orderId}`}>
          {row.orderId.slice(0, 18)}
          <span className="text-slate-400">…</span>
        </Link>
        <span className="block truncate text-xs text-slate-500 sm:hidden">
          {row.customerName} · <RelTime iso={row.placedAt} />
        </span>
      </td>
      <td className="px-2">
        <span key={row.version} className={`inline-block rounded-full ${changed ? 'animate-flash' : ''}`}>
          <StatusBadge status={row.status} />
        </span>
      </td>
      <td className="hidden truncate px-2 sm:table-cell" title={row.customerId} data-testid="row-customer">
        {row.customerName}
      </td>
      <td className="hidden px-2 text-right sm:table-cell">{row.itemCount}</td>
      <td className="px-3 text-right font-medium sm:px-2">{formatMoney(row.totalCents)}</td>
      <td className="hidden truncate px-2 text-slate-600 sm:table-cell">
        <RelTime iso={row.placedAt} />
      </td>
      <td className="hidden truncate px-2 text-slate-600 md:table-cell">
        <RelTime iso={row.updatedAt} />
      </td>
    </tr>
  );
};
