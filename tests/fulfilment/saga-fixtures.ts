import { afterAll, beforeAll, expect } from 'vitest';
import type { Sql } from '@/db/client';
import { handleCommand } from '@/server/command-handler';
import { FulfilmentProcessor, type FulfilmentOptions } from '@/server/fulfilment/processor';
import { sagaProgressFor } from '@/server/fulfilment/queries';
import type { SagaProgress } from '@/server/fulfilment/progress';
import { placeOrder } from '@/server/handlers/place-order';
import { inventoryDecider } from '@/server/inventory/decider';
import { inventorySnapshotPolicy } from '@/server/inventory/snapshot-policy';
import { inventoryStreamId } from '@/server/inventory/stream';
import { createOrderflow, startWorkers, type Orderflow } from '@/server/orderflow';
import { participantNames, setFaults, type FaultSettings } from '@/server/participants/faults';
import type { RecordedEvent } from '@/server/event-store/types';
import { startChildProcess } from '../support/child-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait-until';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Small deadlines and backoffs so a whole saga takes milliseconds; no jitter surprises. */
export const fastSaga: FulfilmentOptions = {
  stepTimeoutMs: 2000,
  leaseMs: 5000,
  pollMs: 50,
  concurrency: 8,
  retryPolicy: { maxAttempts: 3, persistentMaxAttempts: 5, baseDelayMs: 10, maxDelayMs: 40 },
  random: () => 0.5,
};

export const setAllFaults = async (sql: Sql, settings: Partial<FaultSettings>) => {
  for (const participant of participantNames) await setFaults(sql, participant, settings);
};

export const noFaults = (sql: Sql) => setAllFaults(sql, { latencyMs: 0, transientErrorRate: 0 });

export const customerId = 'cus_saga_test';

/** An app on the test database with the saga processor running and no injected latency. */
export const startSagaApp = async (databaseUrl: string, fulfilment: FulfilmentOptions = {}, options: { poolSize?: number; workers?: boolean } = {}) => {
  const app = await createOrderflow({
    databaseUrl,
    poolSize: options.poolSize ?? 20,
    onError: (error) => console.error('[saga test]', error),
    fulfilment: { ...fastSaga, ...fulfilment },
  });
  await noFaults(app.sql);
  await app.sql`INSERT INTO customers (customer_id, name, email, country)
                VALUES (${customerId}, 'Saga Tester', 'saga@example.com', 'GB') ON CONFLICT DO NOTHING`;
  if (options.workers !== false) startWorkers(app);
  return app;
};

export const processorOf = (app: Orderflow): FulfilmentProcessor =>
  app.workers.find((worker): worker is FulfilmentProcessor => worker instanceof FulfilmentProcessor)!;

/** A product of its own per test, so tests never share stock. */
export const addProduct = async (app: Orderflow, sku: string, priceCents: number, stock: number) => {
  await app.sql`INSERT INTO products (sku, name, description, category, price_cents)
                VALUES (${sku}, ${`Product ${sku}`}, 'Test product', 'Test', ${priceCents}) ON CONFLICT DO NOTHING`;
  if (stock === 0) return;
  const now = app.clock.now();
  await handleCommand(app.store, {
    streamId: inventoryStreamId(sku),
    decider: inventoryDecider,
    command: { type: 'ReceiveStock', data: { sku, quantity: stock, now } },
    correlationId: `test:${sku}`,
    actor: { kind: 'seed', id: 'test' },
    now,
    snapshot: inventorySnapshotPolicy,
  });
};

export const placeTestOrder = async (
  app: Orderflow,
  order: { lines: { sku: string; quantity: number }[]; token?: string; country?: string },
): Promise<string> => {
  const { orderId } = await placeOrder(app, {
    customerId,
    lines: order.lines,
    shippingAddress: { name: 'Saga Tester', line1: '1 Test Street', city: 'Testville', postalCode: 'T1 1TT', country: order.country ?? 'GB' },
    paymentToken: order.token ?? 'tok_visa',
  });
  return orderId;
};

/** Waits (bounded, never asserting how long it took) until every saga reached a final state. */
export const waitForSagas = async (sql: Sql, orderIds: readonly string[], timeoutMs = 90_000): Promise<Map<string, string>> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await sql<{ order_id: string; status: string }[]>`
      SELECT order_id, status FROM saga_progress WHERE order_id = ANY(${[...orderIds]}::text[])`;
    const final = rows.filter((r) => ['completed', 'compensated', 'failed'].includes(r.status));
    if (final.length === orderIds.length) return new Map(final.map((r) => [r.order_id, r.status]));
    if (Date.now() > deadline) {
      throw new Error(`${orderIds.length - final.length} of ${orderIds.length} sagas did not finish: ${JSON.stringify(rows.filter((r) => !final.includes(r)).slice(0, 5))}`);
    }
    await sleep(20);
  }
};

export const waitForSaga = async (app: Orderflow, orderId: string): Promise<SagaProgress> => {
  await waitForSagas(app.sql, [orderId], 30_000);
  return (await sagaProgressFor(app.sql, orderId))!;
};


const isSagaEvent = (event: RecordedEvent) => event.streamId.startsWith('fulfilment-');

/** The order's timeline without the saga's own bookkeeping: what the participants and the order recorded. */
export const domainEvents = async (app: Orderflow, orderId: string) =>
  (await app.store.readCorrelated(orderId)).filter((event) => !isSagaEvent(event));

export const domainTypes = async (app: Orderflow, orderId: string) => (await domainEvents(app, orderId)).map((e) => e.type);

export const sagaEvents = async (app: Orderflow, orderId: string) => (await app.store.readCorrelated(orderId)).filter(isSagaEvent);

/** The events that end a saga (one of them, exactly once, per finished saga). */
export const sagaFinalEventTypes = ['FulfilmentCompleted', 'FulfilmentCompensated', 'FulfilmentFailed'];

export type WorkerProcess = { id: string; kill: () => Promise<void>; holdSagas: (timeoutMs?: number) => Promise<string> };

/** A separate app process running only the background workers (saga-worker-process.ts). */
export const startWorkerProcess = async (databaseUrl: string, id: string, fulfilment: FulfilmentOptions): Promise<WorkerProcess> => {
  const child = await startChildProcess('tests/fulfilment/saga-worker-process.ts', {
    env: { DATABASE_URL: databaseUrl, SAGA_WORKER_ID: id, SAGA_OPTIONS: JSON.stringify(fulfilment) },
    readyWhen: 'saga worker ready',
    startTimeoutMs: 60_000,
  });
  return {
    id,
    /** kill -9 of its process group: no shutdown code runs, as in a crash. */
    kill: () => child.kill('SIGKILL'),
    /**
     * From now on its participant calls wait for their step deadlines (saga-worker-process.ts);
     * resolves with the first order it then holds mid-step.
     */
    holdSagas: async (timeoutMs = 30_000) => {
      // Nothing else it prints starts a line with "held ".
      process.kill(child.pid, 'SIGUSR2');
      let held: RegExpExecArray | null = null;
      await waitUntil(`${id} to hold a saga mid-step`, async () => (held = /^held \S+ (\S+)$/m.exec(child.output())) !== null, timeoutMs);
      return held![1]!;
    },
  };
};

export type ChildWorkerSetup = {
  /** This process's app: it places orders and reads; it runs no saga itself. */
  readonly app: Orderflow;
  /** Starts a worker process on the test database; every one is killed after all. */
  startWorker: (id: string) => Promise<WorkerProcess>;
};

/**
 * Registers the spec file's beforeAll and afterAll for sagas run by child processes: a fresh test
 * database, this process's app without workers, participants answering after `latencyMs` (so steps
 * overlap a kill), the given products. Workers advance `concurrency` sagas each, under a short
 * lease and deadlines so a killed one's sagas are taken over quickly.
 */
export const useChildWorkerSetup = (options: {
  latencyMs: number;
  concurrency: number;
  products: readonly { sku: string; priceCents: number; stock: number }[];
}): ChildWorkerSetup => {
  const workerOptions: FulfilmentOptions = {
    stepTimeoutMs: 1000,
    leaseMs: 3000,
    pollMs: 100,
    concurrency: options.concurrency,
    retryPolicy: { maxAttempts: 3, persistentMaxAttempts: 8, baseDelayMs: 10, maxDelayMs: 50 },
  };
  let db: TestDatabase | undefined;
  let app: Orderflow | undefined;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startSagaApp(db.url, {}, { workers: false });
    await setAllFaults(app.sql, { latencyMs: options.latencyMs, transientErrorRate: 0 });
    for (const { sku, priceCents, stock } of options.products) await addProduct(app, sku, priceCents, stock);
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await app?.close();
    await db?.drop();
  });
  return {
    get app() {
      if (!app) throw new Error('useChildWorkerSetup: the app starts in beforeAll');
      return app;
    },
    startWorker: async (id) => {
      if (!db) throw new Error('useChildWorkerSetup: the database is created in beforeAll');
      const worker = await startWorkerProcess(db.url, id, workerOptions);
      workers.push(worker);
      return worker;
    },
  };
};

/**
 * Checks from the log that nothing happened twice: per order at most one charge, refund,
 * shipment, reservation per sku, exactly one final order event and one final saga event, and
 * per saga one start per (step, attempt) and at most one success per step.
 */
export const expectEveryEffectOnce = async (sql: Sql, orderIds: readonly string[]) => {
  const ids = [...orderIds];
  const effects = await sql<{ correlation_id: string; stream_id: string; type: string; n: number }[]>`
    SELECT correlation_id, stream_id, type, count(*)::int AS n FROM events
    WHERE correlation_id = ANY(${ids}::text[])
      AND type IN ('PaymentCharged', 'PaymentRefunded', 'ShipmentCreated', 'ShipmentCancelled', 'StockReserved',
                   'ReservationReleased', 'ReservationCommitted')
    GROUP BY correlation_id, stream_id, type`;
  expect(effects.filter((r) => r.n !== 1)).toEqual([]);

  const finals = await sql<{ correlation_id: string; order_final: number; saga_final: number }[]>`
    SELECT correlation_id,
           count(*) FILTER (WHERE type IN ('OrderConfirmed', 'OrderCancelled'))::int AS order_final,
           count(*) FILTER (WHERE type = ANY(${sagaFinalEventTypes}::text[]))::int AS saga_final
    FROM events WHERE correlation_id = ANY(${ids}::text[]) GROUP BY correlation_id`;
  expect(finals).toHaveLength(ids.length);
  expect(finals.filter((r) => r.order_final !== 1 || r.saga_final !== 1)).toEqual([]);

  const twiceStarted = await sql`
    SELECT stream_id, data->>'step' AS step, data->>'attempt' AS attempt, count(*)::int AS n FROM events
    WHERE correlation_id = ANY(${ids}::text[]) AND type = 'FulfilmentStepStarted'
    GROUP BY 1, 2, 3 HAVING count(*) > 1`;
  expect(twiceStarted).toEqual([]);
  const twiceSucceeded = await sql`
    SELECT stream_id, data->>'step' AS step, count(*)::int AS n FROM events
    WHERE correlation_id = ANY(${ids}::text[]) AND type = 'FulfilmentStepSucceeded'
    GROUP BY 1, 2 HAVING count(*) > 1`;
  expect(twiceSucceeded).toEqual([]);
};

/** Charged minus refunded, and the total of the confirmed orders, over these orders. */
export const ledger = async (sql: Sql, orderIds: readonly string[]) => {
  const ids = [...orderIds];
  const [money] = await sql<{ charged: number; refunded: number }[]>`
    SELECT coalesce(sum((data->>'amountCents')::bigint) FILTER (WHERE type = 'PaymentCharged'), 0)::bigint AS charged,
           coalesce(sum((data->>'amountCents')::bigint) FILTER (WHERE type = 'PaymentRefunded'), 0)::bigint AS refunded
    FROM events WHERE correlation_id = ANY(${ids}::text[]) AND type IN ('PaymentCharged', 'PaymentRefunded')`;
  const [confirmed] = await sql<{ total: number }[]>`
    SELECT coalesce(sum(total_cents), 0)::bigint AS total FROM order_summaries
    WHERE order_id = ANY(${ids}::text[]) AND status = 'confirmed'`;
  return { net: money!.charged - money!.refunded, confirmedTotal: confirmed!.total };
};

/** How many of these sagas are final now. */
export const finishedCount = async (sql: Sql, orderIds: readonly string[]) => {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM saga_progress
    WHERE order_id = ANY(${[...orderIds]}::text[]) AND status IN ('completed', 'compensated', 'failed')`;
  return row!.n;
};
