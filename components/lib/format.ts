import type { OrderStatus } from './types';

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
export const formatMoney = (cents: number | null | undefined) => (cents == null ? '—' : money.format(cents / 100));

const exact = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});
export const formatExact = (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${exact.format(date)} (${iso})`;
};

export const formatRelative = (iso: string, now: number) => {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text: string;
  if (s < 5) return 'just now';
  if (s < 60) text = `${s}s`;
  else if (s < 3600) text = `${Math.floor(s / 60)}m`;
  else if (s < 86_400) text = `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  else text = `${Math.floor(s / 86_400)}d`;
  return future ? `in ${text}` : `${text} ago`;
};

export const formatDuration = (ms: number | null | undefined) => {
  if (ms == null || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
};

export const shortId = (id: string) => (id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id);

export const STATUS_LABEL: Record<OrderStatus, string> = {
  placed: 'Placed',
  inventory_reserved: 'Stock reserved',
  paid: 'Paid',
  shipment_created: 'Shipped',
  confirmed: 'Completed',
  cancelling: 'Cancelling',
  cancelled: 'Cancelled',
};

export const statusLabel = (status: string) => STATUS_LABEL[status as OrderStatus] ?? status.replace(/_/g, ' ');

export const FINAL_STATUSES = new Set(['confirmed', 'cancelled']);
export const isFinal = (status: string) => FINAL_STATUSES.has(status);
