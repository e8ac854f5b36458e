import { z } from 'zod';

/**
 * The public command shapes, shared by the tRPC procedures and the order form, so the browser
 * shows the same messages the server would answer with.
 */
export const shippingAddressInput = z.object({
  name: z.string().trim().min(1, 'Enter the recipient name').max(200),
  line1: z.string().trim().min(1, 'Enter the street address').max(200),
  city: z.string().trim().min(1, 'Enter the city').max(100),
  postalCode: z.string().trim().min(1, 'Enter the postal code').max(20),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'Use a two-letter country code, e.g. GB'),
});

export const orderLineInput = z.object({
  sku: z.string().trim().min(1, 'Choose a product').max(64),
  quantity: z.int('Quantity must be a whole number').min(1, 'At least 1').max(999, 'At most 999'),
});

export const placeOrderInput = z.object({
  customerId: z.string().trim().min(1, 'Choose a customer').max(64),
  lines: z.array(orderLineInput).min(1, 'Add at least one product').max(50),
  shippingAddress: shippingAddressInput,
  paymentToken: z.string().trim().min(1, 'Enter a payment token').max(64),
  idempotencyKey: z.string().min(8).max(128).optional(),
  /** Lets a client pick the id (e.g. to navigate before the answer); must be a UUID. */
  orderId: z.uuid().optional(),
});
export type PlaceOrderInput = z.infer<typeof placeOrderInput>;

export const cancelOrderInput = z.object({
  orderId: z.string().min(1).max(64),
  reason: z.string().trim().min(1, 'Give a reason').max(500),
  expectedVersion: z.int().min(0).optional(),
});
export type CancelOrderInput = z.infer<typeof cancelOrderInput>;
