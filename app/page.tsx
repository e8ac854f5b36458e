import { Suspense } from 'react';
import { Dashboard } from '@/components/dashboard/dashboard';
import { Loading } from '@/components/ui/states';

export default function DashboardPage() {
  return (
    <Suspense fallback={<Loading label="Loading the dashboard…" />}>
      <Dashboard />
    </Suspense>
  );
}
