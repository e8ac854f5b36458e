'use client';
import { formatMoney } from '@/components/lib/format';
import type { DashboardStats } from '@/components/lib/types';

const CARDS = [
  { id: 'orders-today', label: 'Orders today', value: (s: DashboardStats) => String(s.ordersToday), tone: 'text-slate-900' },
  { id: 'in-flight', label: 'In flight', value: (s: DashboardStats) => String(s.inFlight), tone: 'text-indigo-700' },
  { id: 'completed', label: 'Completed', value: (s: DashboardStats) => String(s.completed), tone: 'text-emerald-700' },
  { id: 'cancelled', label: 'Cancelled', value: (s: DashboardStats) => String(s.cancelled), tone: 'text-rose-700' },
  { id: 'revenue', label: 'Revenue', value: (s: DashboardStats) => formatMoney(s.revenueCents), tone: 'text-slate-900' },
] as const;

export const StatCards = ({ stats, error }: { stats: DashboardStats | undefined; error: unknown }) => (
  <section aria-label="Key figures" className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
    {CARDS.map((card, i) => (
      <div key={card.id} className={`panel px-4 py-3 ${i === CARDS.length - 1 ? 'col-span-2 sm:col-span-1' : ''}`} data-testid={`stat-${card.id}`}>
        <p className="text-xs font-medium text-slate-500">{card.label}</p>
        <p className={`mt-1 text-2xl font-semibold tabular-nums ${card.tone}`} data-testid={`stat-${card.id}-value`} aria-live="polite">
          {stats ? card.value(stats) : error ? '—' : <span className="inline-block h-7 w-12 animate-pulse rounded bg-slate-200" aria-label="Loading" />}
        </p>
      </div>
    ))}
  </section>
);
