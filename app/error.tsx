'use client';
import { useEffect } from 'react';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => console.error(error), [error]);
  return (
    <div role="alert" className="panel mx-auto max-w-lg p-6">
      <h1 className="text-lg font-semibold text-rose-800">This page failed</h1>
      <p className="mt-1 text-sm break-words text-slate-700">{error.message || 'An unexpected error occurred.'}</p>
      <button type="button" className="btn mt-4" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
