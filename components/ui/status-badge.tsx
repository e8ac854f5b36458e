import { statusLabel } from '@/components/lib/format';

const COLORS: Record<string, string> = {
  placed: 'bg-slate-100 text-slate-700 ring-slate-300',
  inventory_reserved: 'bg-sky-50 text-sky-800 ring-sky-200',
  paid: 'bg-violet-50 text-violet-800 ring-violet-200',
  shipment_created: 'bg-indigo-50 text-indigo-800 ring-indigo-200',
  confirmed: 'bg-emerald-50 text-emerald-800 ring-emerald-300',
  cancelling: 'bg-amber-50 text-amber-800 ring-amber-300',
  cancelled: 'bg-rose-50 text-rose-800 ring-rose-200',
};

const DOTS: Record<string, string> = {
  placed: 'bg-slate-400',
  inventory_reserved: 'bg-sky-500',
  paid: 'bg-violet-500',
  shipment_created: 'bg-indigo-500',
  confirmed: 'bg-emerald-500',
  cancelling: 'bg-amber-500 animate-pulse',
  cancelled: 'bg-rose-500',
};

export const StatusBadge = ({ status, className = '' }: { status: string; className?: string }) => (
  <span
    data-testid="status-badge"
    data-status={status}
    className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${COLORS[status] ?? 'bg-slate-100 text-slate-700 ring-slate-300'} ${className}`}
  >
    <span aria-hidden className={`size-1.5 rounded-full ${DOTS[status] ?? 'bg-slate-400'}`} />
    {statusLabel(status)}
  </span>
);
