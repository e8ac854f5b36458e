import { placeOrder } from '../handlers/place-order';
import type { PlaceOrderInput } from '../handlers/order-inputs';
import type { Orderflow } from '../orderflow';
import { demoCustomers, demoProducts } from './demo-data';

const addresses: Record<string, PlaceOrderInput['shippingAddress']> = {
  GB: { name: '', line1: '10 Downing Street', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
  US: { name: '', line1: '1600 Amphitheatre Pkwy', city: 'Mountain View', postalCode: '94043', country: 'US' },
  NL: { name: '', line1: 'Dam 1', city: 'Amsterdam', postalCode: '1012 JS', country: 'NL' },
  FI: { name: '', line1: 'Mannerheimintie 1', city: 'Helsinki', postalCode: '00100', country: 'FI' },
  CH: { name: '', line1: 'Route de Meyrin 385', city: 'Geneva', postalCode: '1217', country: 'CH' },
  AT: { name: '', line1: 'Stephansplatz 1', city: 'Vienna', postalCode: '1010', country: 'AT' },
};

/**
 * A dozen demo orders through the ordinary command path, so a fresh dashboard has rows and the
 * sagas have something to show: mostly paid by card, one declined. Idempotency keys make it once-only.
 */
export const seedDemoOrders = async (app: Orderflow, count = 12): Promise<void> => {
  for (let i = 0; i < count; i++) {
    const customer = demoCustomers[i % demoCustomers.length]!;
    const first = demoProducts[(i * 3) % demoProducts.length]!;
    const second = demoProducts[(i * 7 + 1) % demoProducts.length]!;
    const lines = [{ sku: first.sku, quantity: 1 + (i % 2) }, ...(i % 3 === 0 && second.sku !== first.sku ? [{ sku: second.sku, quantity: 1 }] : [])];
    await placeOrder(
      app,
      {
        customerId: customer.customerId,
        lines: lines.filter((line) => line.sku !== 'SKU-LT-20'),
        shippingAddress: { ...addresses[customer.country]!, name: customer.name },
        paymentToken: i === 4 ? 'tok_declined' : 'tok_visa',
        idempotencyKey: `seed:demo-order:${i}`,
      },
      { kind: 'seed', id: 'demo-data' },
    );
  }
};
