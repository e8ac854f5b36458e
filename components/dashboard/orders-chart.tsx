'use client';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { DashboardStats } from '@/components/lib/types';

const MINUTES = 30;
const SERIES = [
  { key: 'placed', name: 'Placed', color: '#6366f1' },
  { key: 'confirmed', name: 'Completed', color: '#10b981' },
  { key: 'cancelled', name: 'Cancelled', color: '#f43f5e' },
] as const;

/** Orders per minute over the last half hour, by outcome, with empty minutes filled in. */
export const OrdersChart = ({ stats, now }: { stats: DashboardStats | undefined; now: number }) => {
  const end = Math.floor(now / 60_000) * 60_000;
  const buckets = new Map<string, { minute: string; label: string; placed: number; confirmed: number; cancelled: number }>();
  for (let i = MINUTES - 1; i >= 0; i--) {
    const minute = new Date(end - i * 60_000).toISOString();
    const local = new Date(end - i * 60_000);
    const label = `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`;
    buckets.set(minute.slice(0, 16), { minute, label, placed: 0, confirmed: 0, cancelled: 0 });
  }
  for (const row of stats?.ordersPerMinute ?? []) {
    const bucket = buckets.get(row.minute.slice(0, 16));
    if (bucket && (row.outcome === 'placed' || row.outcome === 'confirmed' || row.outcome === 'cancelled')) bucket[row.outcome] += row.count;
  }
  const data = [...buckets.values()];
  const total = data.reduce((n, d) => n + d.placed + d.confirmed + d.cancelled, 0);
  return (
    <figure className="panel p-4" data-testid="orders-chart" aria-labelledby="orders-chart-title">
      <figcaption className="mb-2 flex items-baseline justify-between gap-2">
        <span id="orders-chart-title" className="panel-title">
          Orders per minute
        </span>
        <span className="text-xs text-slate-500">last {MINUTES} min · by outcome</span>
      </figcaption>
      <div className="h-52 w-full" role="img" aria-label={`Bar chart of orders per minute by outcome over the last ${MINUTES} minutes; ${total} outcomes in total`}>
        {stats ? (
          <BarChart responsive data={data} style={{ width: '100%', height: '100%' }} margin={{ top: 4, right: 4, bottom: 0, left: -24 }} barGap={1}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="label" tick={{ fontSize: 10, fill: '#64748b' }} interval="preserveStartEnd" minTickGap={24} tickLine={false} axisLine={{ stroke: '#cbd5e1' }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 10, fill: '#64748b' }} tickLine={false} axisLine={false} width={48} />
            <Tooltip
              cursor={{ fill: '#f1f5f9' }}
              contentStyle={{ fontSize: 12, borderRadius: 6, borderColor: '#e2e8f0' }}
              labelFormatter={(label) => `Minute ${String(label)}`}
            />
            <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
            {SERIES.map((s) => (
              <Bar key={s.key} dataKey={s.key} name={s.name} fill={s.color} radius={[2, 2, 0, 0]} isAnimationActive={false} maxBarSize={10} />
            ))}
          </BarChart>
        ) : (
          <div className="h-full animate-pulse rounded bg-slate-100" />
        )}
      </div>
    </figure>
  );
};
