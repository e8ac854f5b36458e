import { sagaMetrics, type SagaMetrics } from '@/server/fulfilment/queries';
import type { Orderflow } from '@/server/orderflow';

/**
 * The saga counters once the dashboard-stats projection, which keeps them, has applied everything
 * logged so far (it is async: right after a saga ends it may not have yet).
 */
export const settledSagaMetrics = async (app: Orderflow, timeoutMs = 30_000): Promise<SagaMetrics> => {
  const [log] = await app.sql<{ head: number }[]>`SELECT coalesce(max(position), 0)::bigint AS head FROM events`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [checkpoint] = await app.sql<{ position: number }[]>`SELECT position FROM projection_checkpoints WHERE name = 'dashboard-stats'`;
    if (Number(checkpoint?.position ?? 0) >= Number(log!.head)) return sagaMetrics(app.sql);
    if (Date.now() > deadline) throw new Error(`dashboard-stats stayed at ${checkpoint?.position} below ${log!.head}`);
    app.daemon.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
