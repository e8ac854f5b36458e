import type { Sql } from '@/db/client';
import { handleCommand } from '../command-handler';
import type { EventRegistry } from '../event-store/event-registry';
import type { EventStore } from '../event-store/event-store';
import { GlobalLogReader } from '../event-store/global-log-reader';
import type { RecordedEvent } from '../event-store/types';
import type { OrderEvent } from '../orders/events';
import type { Actor } from '../shared/messages';
import type { FulfilmentCommand } from './commands';
import { fulfilmentDecider } from './decider';
import { fulfilmentStreamId } from './stream';
import { enqueueSagas } from './work-queue';

const checkpointName = 'fulfilment';
const intakeLock = 'orderflow:saga-intake';
export const intakeEventTypes = ['OrderPlaced', 'OrderCancellationRequested'] as const;

type OrderInput = RecordedEvent & Extract<OrderEvent, { type: (typeof intakeEventTypes)[number] }>;

/**
 * Follows the global order from a checkpoint for what starts or cancels a saga, and turns each
 * into a command on the saga's stream plus a due row in saga_work. At least once: a batch cut
 * short by a crash is read again, and the keyed, idempotent commands make the repeat harmless.
 * One process at a time reads (advisory lock); the others skip.
 */
export class FulfilmentIntake {
  private readonly reader: GlobalLogReader;

  constructor(
    private readonly sql: Sql,
    registry: EventRegistry,
    private readonly store: EventStore,
    private readonly options: { now: () => string; actor: Actor; batchSize: number; parallelism: number },
  ) {
    this.reader = new GlobalLogReader(registry, sql);
  }

  async ensureCheckpoint(): Promise<void> {
    await this.sql`INSERT INTO saga_checkpoints (name) VALUES (${checkpointName}) ON CONFLICT (name) DO NOTHING`;
  }

  async position(): Promise<number> {
    const [row] = await this.sql<{ position: number }[]>`SELECT position FROM saga_checkpoints WHERE name = ${checkpointName}`;
    return row?.position ?? 0;
  }

  /** Handles one batch; says whether it moved, found nothing, waits on a hole or another process. */
  async step(): Promise<'progressed' | 'idle' | 'gap' | 'busy'> {
    return this.sql.begin(async (tx) => {
      // Two statements, not one: a statement reads with the snapshot it started with, so a checkpoint
      // read in the statement that takes the lock could be the one from before the previous holder
      // committed, and a batch would be handled twice.
      const [locked] = await tx<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${intakeLock})) AS ok`;
      if (!locked?.ok) return 'busy';
      const [checkpoint] = await tx<{ position: number }[]>`SELECT position FROM saga_checkpoints WHERE name = ${checkpointName}`;
      if (!checkpoint) return 'idle';
      const at = checkpoint.position;
      const batch = await this.reader.read(tx, at, this.options.batchSize, { types: intakeEventTypes });
      if (batch.position === at) return batch.waitingOnGap ? 'gap' : 'idle';
      await this.accept(batch.events as OrderInput[]);
      await tx`UPDATE saga_checkpoints SET position = ${batch.position}, updated_at = now() WHERE name = ${checkpointName}`;
      return 'progressed';
    });
  }

  /** Orders are independent: their events are handled side by side, each order's in log order. */
  private async accept(events: readonly OrderInput[]): Promise<void> {
    const byOrder = new Map<string, OrderInput[]>();
    for (const event of events) {
      const list = byOrder.get(event.data.orderId) ?? [];
      list.push(event);
      byOrder.set(event.data.orderId, list);
    }
    const queue = [...byOrder.values()];
    const work = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const event of next) await this.acceptOne(event);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.parallelism, queue.length) }, work));
    await enqueueSagas(this.sql, [...byOrder.keys()], this.options.now());
  }

  private async acceptOne(event: OrderInput): Promise<void> {
    const { orderId } = event.data;
    const now = this.options.now();
    let command: FulfilmentCommand;
    let key: string;
    if (event.type === 'OrderPlaced') {
      const d = event.data;
      command = {
        type: 'StartFulfilment',
        data: {
          orderId,
          lines: d.lines.map(({ sku, quantity }) => ({ sku, quantity })),
          amountCents: d.totalCents,
          paymentToken: d.paymentToken,
          country: d.shippingAddress.country,
          now,
        },
      };
      key = `saga:${orderId}:start`;
    } else {
      const existing = await this.store.streamVersion(fulfilmentStreamId(orderId));
      if (existing === 0) return; // no saga was ever started for this order (placed before sagas existed)
      command = { type: 'RequestFulfilmentCancellation', data: { orderId, reason: event.data.reason, now } };
      key = `saga:${orderId}:cancellation-requested`;
    }
    await handleCommand(this.store, {
      streamId: fulfilmentStreamId(orderId),
      decider: fulfilmentDecider,
      command,
      streamIsNew: command.type === 'StartFulfilment',
      idempotencyKey: key,
      correlationId: orderId,
      causationId: event.metadata.eventId,
      actor: this.options.actor,
      now,
    });
  }
}
