import { sagaMetrics, type SagaMetrics } from '@/server/fulfilment/queries';
import type { Orderflow } from '@/server/orderflow';
import { awaitProjection } from '@/server/queries/read-your-writes';

/**
 * The saga counters once the dashboard-stats projection, which keeps them, has applied everything
 * logged so far (it is async: right after a saga ends it may not have yet).
 */
export const settledSagaMetrics = async (app: Orderflow, timeoutMs = 30_000): Promise<SagaMetrics> => {
  const [log] = await app.sql<{ head: number }[]>`SELECT coalesce(max(position), 0)::bigint AS head FROM events`;
  const { position, stale } = await awaitProjection(app, 'dashboard-stats', Number(log!.head), timeoutMs);
  if (stale) throw new Error(`dashboard-stats stayed at ${position} below ${log!.head}`);
  return sagaMetrics(app.sql);
};
