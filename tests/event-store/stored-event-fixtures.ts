import type { Sql } from '@/db/client';

/** Metadata as an older writer stored it; `occurredAt` is left to each test. */
export const legacyMetadata = (schemaVersion = 1) => ({ eventId: 'e', correlationId: 'o-1', causationId: null, schemaVersion, actor: { kind: 'system', id: 'legacy' } });

/** An OrderPlaced payload as schema version 1 stored it: prices in currency units, no totals. */
export const orderPlacedV1 = (orderId: string) => ({
  orderId,
  customerId: 'cus_ada',
  lines: [{ sku: 'SKU-KB-01', name: 'Keyboard', quantity: 2, unitPrice: 12.5 }],
  shippingAddress: { name: 'Ada', line1: '1 Road', city: 'London', postalCode: 'N1', country: 'GB' },
  paymentToken: 'tok_visa',
  placedAt: '2024-01-02T03:04:05.000Z',
});

/**
 * A row written straight into the log, as an older version of the app (or a broken one) left it:
 * the stream's first event, payload and metadata as given, not validated on the way in.
 */
export const insertStoredEvent = async (
  sql: Sql,
  event: { streamId: string; type: string; schemaVersion: number; data: unknown; metadata: Record<string, unknown> },
): Promise<void> => {
  await sql`INSERT INTO streams (stream_id, stream_type, version) VALUES (${event.streamId}, 'order', 1)`;
  await sql`
    INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, correlation_id, occurred_at)
    VALUES (gen_random_uuid(), ${event.streamId}, 1, ${event.type}, ${event.schemaVersion}, ${sql.json(event.data as never)},
            ${sql.json(event.metadata as never)}, 'o-1', '2024-01-02T03:04:05Z')`;
};
