import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { eventsRouter } from './routers/events';
import { faultsRouter } from './routers/faults';
import { liveRouter } from './routers/live';
import { ordersRouter } from './routers/orders';
import { projectionsRouter } from './routers/projections';
import { sagasRouter } from './routers/sagas';
import { catalogRouter, customersRouter } from './routers/reference-data';
import { statsRouter } from './routers/stats';
import { router } from './trpc';

export const appRouter = router({
  orders: ordersRouter,
  catalog: catalogRouter,
  customers: customersRouter,
  stats: statsRouter,
  events: eventsRouter,
  projections: projectionsRouter,
  live: liveRouter,
  sagas: sagasRouter,
  faults: faultsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
