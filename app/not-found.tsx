import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="panel mx-auto max-w-lg p-6 text-center">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <p className="mt-1 text-sm text-slate-600">There is nothing at this address.</p>
      <Link href="/" className="btn mt-4">
        Back to the dashboard
      </Link>
    </div>
  );
}
