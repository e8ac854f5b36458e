import { z } from 'zod';

/**
 * OrderPlaced schema version 1 priced lines in decimal currency units (`unitPrice: 12.5`) and had
 * no customerName, itemCount or lineTotalCents. Only the fields the upcast changes are listed;
 * the rest is carried over as stored.
 */
const orderPlacedV1Schema = z.looseObject({
  customerId: z.string(),
  lines: z.array(
    z.looseObject({
      sku: z.string(),
      name: z.string(),
      quantity: z.number(),
      unitPrice: z.number(),
    }),
  ),
  totalCents: z.number().optional(),
});

/** OrderPlaced v1 → v2. A payload that is not v1-shaped is returned as is for v2 validation to reject. */
export const upcastOrderPlacedV1 = (data: unknown): unknown => {
  const parsed = orderPlacedV1Schema.safeParse(data);
  if (!parsed.success) return data;
  const { lines: v1Lines, totalCents: v1TotalCents, ...rest } = parsed.data;

  const lines = v1Lines.map(({ unitPrice, ...line }) => {
    const unitPriceCents = Math.round(unitPrice * 100);
    return { ...line, unitPriceCents, lineTotalCents: unitPriceCents * line.quantity };
  });
  const linesTotalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);

  return {
    ...rest,
    customerName: rest.customerId,
    lines,
    // The stored total is what the customer was charged; recompute only when it is missing.
    totalCents: Number.isSafeInteger(v1TotalCents) ? v1TotalCents : linesTotalCents,
    itemCount: lines.reduce((sum, line) => sum + line.quantity, 0),
  };
};
