import { listCustomers, listProducts } from '../catalog/catalog-queries';
import { publicProcedure, router } from '../trpc';

export const catalogRouter = router({
  list: publicProcedure.query(async ({ ctx }) => ({ items: await listProducts(ctx.app.sql) })),
});

export const customersRouter = router({
  list: publicProcedure.query(async ({ ctx }) => ({ items: await listCustomers(ctx.app.sql) })),
});
