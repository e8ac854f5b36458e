'use client';
import { useSyncExternalStore } from 'react';
import { formatExact, formatRelative } from '@/components/lib/format';

// One shared ticking clock for every relative time on the page.
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, 5_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
};
export const useNow = () => useSyncExternalStore(subscribe, () => now, () => 0);

/** "3m ago", with the exact time on hover and for assistive technology. */
export const RelTime = ({ iso, className }: { iso: string | null | undefined; className?: string }) => {
  const current = useNow();
  if (!iso) return <span className={className}>—</span>;
  const exact = formatExact(iso);
  return (
    <time dateTime={iso} title={exact} className={className} suppressHydrationWarning>
      {current === 0 ? '' : formatRelative(iso, Date.now())}
    </time>
  );
};
