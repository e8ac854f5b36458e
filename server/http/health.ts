import type { ServerResponse } from 'node:http';
import type { Orderflow } from '../orderflow';
import { projectionStatus } from '../queries/projection-status';

/** Extra figures other modules add to /api/health (the saga's metrics, for one). */
export type HealthContributor = (app: Orderflow) => Promise<Record<string, unknown>>;

/** 200 when the database answers and no projection reports an error; 503 otherwise. */
export const respondHealth = async (app: Orderflow, res: ServerResponse, contributors: readonly HealthContributor[]) => {
  let body: Record<string, unknown>;
  let ok = false;
  try {
    await app.sql`SELECT 1`;
    const status = await projectionStatus(app.sql, app.daemon.projections);
    const extras = await Promise.all(contributors.map((contribute) => contribute(app)));
    const daemonHealthy = status.projections.every((p) => p.lastError === null);
    ok = daemonHealthy;
    body = {
      status: ok ? 'ok' : 'degraded',
      database: 'up',
      projectionDaemon: { running: app.daemon.isRunning, healthy: daemonHealthy },
      headPosition: status.head,
      livePosition: app.follower.position,
      projections: status.projections.map(({ name, kind, status: s, position, lag, lastError }) => ({ name, kind, status: s, position, lag, lastError })),
      ...Object.assign({}, ...extras),
    };
  } catch (error) {
    body = { status: 'down', database: 'unreachable', error: String(error) };
  }
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};
