import type { Metadata } from 'next';
import { FaultsPanel } from '@/components/operations/faults-panel';
import { ProjectionsPanel } from '@/components/operations/projections-panel';
import { SagasPanel } from '@/components/operations/sagas-panel';

export const metadata: Metadata = { title: 'Operations' };

export default function OperationsPage() {
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Operations</h1>
        <p className="text-sm text-slate-500">Read models, fault injection for the simulated participants, and sagas by status.</p>
      </div>
      <div className="grid grid-cols-[minmax(0,1fr)] gap-5 lg:grid-cols-2">
        <div className="min-w-0 space-y-5">
          <ProjectionsPanel />
        </div>
        <div className="min-w-0 space-y-5">
          <FaultsPanel />
          <SagasPanel />
        </div>
      </div>
    </div>
  );
}
