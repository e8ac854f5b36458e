import type { ReactNode } from 'react';

export const Spinner = ({ className = 'size-4' }: { className?: string }) => (
  <svg className={`animate-spin text-current ${className}`} viewBox="0 0 24 24" fill="none" aria-hidden>
    <circle cx="12" cy="12" r="10" stroke="currentColor" strokeOpacity="0.25" strokeWidth="4" />
    <path d="M22 12a10 10 0 0 0-10-10" stroke="currentColor" strokeWidth="4" strokeLinecap="round" />
  </svg>
);

export const Loading = ({ label = 'Loading…' }: { label?: string }) => (
  <div role="status" className="flex items-center gap-2 p-6 text-sm text-slate-500">
    <Spinner /> {label}
  </div>
);

export const Empty = ({ title, children }: { title: string; children?: ReactNode }) => (
  <div className="flex flex-col items-center gap-1 px-6 py-10 text-center" data-testid="empty-state">
    <p className="text-sm font-medium text-slate-700">{title}</p>
    {children ? <div className="text-sm text-slate-500">{children}</div> : null}
  </div>
);

export const ErrorBox = ({ error, retry, title = 'Something went wrong' }: { error: unknown; retry?: () => void; title?: string }) => (
  <div role="alert" className="m-4 rounded-md border border-rose-200 bg-rose-50 p-4 text-sm text-rose-900">
    <p className="font-semibold">{title}</p>
    <p className="mt-1 break-words">{error instanceof Error ? error.message : String(error)}</p>
    {retry ? (
      <button type="button" className="btn btn-sm mt-3" onClick={retry}>
        Try again
      </button>
    ) : null}
  </div>
);

export const Skeleton = ({ className = 'h-4 w-full' }: { className?: string }) => (
  <span aria-hidden className={`block animate-pulse rounded bg-slate-200/80 ${className}`} />
);
