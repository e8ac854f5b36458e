/**
 * A separate Orderflow process that runs only the background workers (projection daemon and
 * saga processor) on DATABASE_URL. The crash and two-process specs start it (startWorkerProcess), in
 * its own process group, and kill it with SIGKILL.
 *
 * On SIGUSR2 every participant call it makes from then on waits for its step's deadline, and it
 * prints `held <method> <orderId>` for each: killed after such a line, it certainly died holding
 * that saga mid-step, however fast its other sagas were going.
 */
import { createOrderflow, startWorkers } from '@/server/orderflow';
import type { FulfilmentOptions } from '@/server/fulfilment/processor';
import { ParticipantControl } from './participant-control';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const options = JSON.parse(process.env.SAGA_OPTIONS ?? '{}') as FulfilmentOptions;
const control = new ParticipantControl();
process.on('SIGUSR2', () => control.holdAll((method, orderId) => console.log(`held ${method} ${orderId}`)));

const app = await createOrderflow({
  databaseUrl,
  poolSize: 10,
  onError: (error) => console.error('[saga worker]', error),
  fulfilment: { ...options, workerId: process.env.SAGA_WORKER_ID ?? options.workerId, participants: control.wrap },
});
startWorkers(app);
console.log('saga worker ready');

const shutdown = async () => {
  await app.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
