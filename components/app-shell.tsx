'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { ConnectionIndicator } from './connection-indicator';

const NAV = [
  { href: '/', label: 'Dashboard', match: (p: string) => p === '/' },
  { href: '/orders/new', label: 'Place order', match: (p: string) => p === '/orders/new' },
  { href: '/events', label: 'Events', match: (p: string) => p.startsWith('/events') },
  { href: '/operations', label: 'Operations', match: (p: string) => p.startsWith('/operations') },
];

export const AppShell = ({ children }: { children: ReactNode }) => {
  const pathname = usePathname() ?? '/';
  return (
    <div className="min-h-dvh">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2.5 sm:px-6">
          <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
            <span aria-hidden className="grid size-6 place-items-center rounded-md bg-indigo-600 text-xs font-bold text-white">
              of
            </span>
            Orderflow
          </Link>
          <div className="order-2 ml-auto sm:order-3">
            <ConnectionIndicator />
          </div>
          <nav aria-label="Main" className="order-3 -mx-1 flex w-full gap-0.5 overflow-x-auto sm:gap-1 sm:order-2 sm:w-auto">
            {NAV.map((item) => {
              const active = item.match(pathname);
              return (
                <Link
                  key={item.href}
                  href={item.href}
                  aria-current={active ? 'page' : undefined}
                  className={`rounded-md px-2 py-1.5 text-[13px] font-medium whitespace-nowrap sm:px-2.5 sm:text-sm ${active ? 'bg-indigo-50 text-indigo-700' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900'}`}
                >
                  {item.label}
                </Link>
              );
            })}
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-5 sm:px-6">
        {children}
      </main>
    </div>
  );
};
