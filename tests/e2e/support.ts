import { expect, type APIRequestContext, type Page } from '@playwright/test';
import type { RouterInputs, RouterOutputs } from '@/server/root';

/** Thin tRPC-over-HTTP helpers (plain JSON, no transformer) for arranging and checking state. */
export const api = (request: APIRequestContext) => {
  const query = async <T>(path: string, input?: unknown): Promise<T> => {
    const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response = await request.get(`/api/trpc/${path}${qs}`);
    const body = await response.json();
    if (!response.ok()) throw new Error(`${path} failed: ${JSON.stringify(body.error?.message ?? body)}`);
    return body.result.data as T;
  };
  const mutate = async <T>(path: string, input: unknown): Promise<T> => {
    const response = await request.post(`/api/trpc/${path}`, { data: input });
    const body = await response.json();
    if (!response.ok()) throw new Error(`${path} failed: ${JSON.stringify(body.error?.message ?? body)}`);
    return body.result.data as T;
  };
  return {
    query,
    mutate,
    placeOrder: (input: Partial<RouterInputs['orders']['place']> = {}) =>
      mutate<RouterOutputs['orders']['place']>('orders.place', {
        customerId: 'cus_ada',
        lines: [{ sku: 'SKU-CB-09', quantity: 1 }],
        shippingAddress: { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
        paymentToken: 'tok_visa',
        ...input,
      }),
    listOrders: (input: RouterInputs['orders']['list'] = {}) => query<RouterOutputs['orders']['list']>('orders.list', input),
    order: (orderId: string) => query<RouterOutputs['orders']['byId']>('orders.byId', { orderId }),
    timeline: (orderId: string) => query<RouterOutputs['orders']['timeline']>('orders.timeline', { orderId }),
    stateAt: (orderId: string, position: number) => query<RouterOutputs['orders']['stateAt']>('orders.stateAt', { orderId, position }),
    stats: () => query<RouterOutputs['stats']['dashboard']>('stats.dashboard', {}),
  };
};

export type Api = ReturnType<typeof api>;

const FINAL = ['confirmed', 'cancelled'];

/** Waits until every order in the store has reached a final status (no saga in flight). */
export const waitForQuiet = async (client: Api, timeoutMs = 45_000) => {
  await expect
    .poll(
      async () => {
        const page = await client.listOrders({ limit: 100 });
        return page.items.filter((o) => !FINAL.includes(o.status)).length;
      },
      { timeout: timeoutMs, intervals: [250, 500, 1000] },
    )
    .toBe(0);
};

export const waitForStatus = async (client: Api, orderId: string, statuses: string[], timeoutMs = 30_000) => {
  await expect
    .poll(async () => (await client.order(orderId)).status, { timeout: timeoutMs, intervals: [200, 400, 800] })
    .toMatch(new RegExp(`^(${statuses.join('|')})$`));
};

/** Waits until the tab's live channel is connected. */
export const waitForLive = async (page: Page) => {
  await expect(page.getByTestId('connection-indicator')).toHaveAttribute('data-state', 'live');
};

/** Fills the order form with one valid line; the caller may change fields before submitting. */
export const fillOrderForm = async (
  page: Page,
  options: { customer?: string; sku?: string; quantity?: string; token?: string; country?: string } = {},
) => {
  await page.getByLabel('Customer', { exact: true }).selectOption(options.customer ?? 'cus_grace');
  await page.getByLabel('Product 1', { exact: true }).selectOption(options.sku ?? 'SKU-MS-02');
  await page.getByLabel('Quantity', { exact: true }).first().fill(options.quantity ?? '1');
  await page.getByLabel('Recipient name').fill('Grace Hopper');
  await page.getByLabel('Street address').fill('1 Navy Yard');
  await page.getByLabel('City').fill('Arlington');
  await page.getByLabel('Postal code').fill('22202');
  await page.getByLabel('Country (2 letters)').fill(options.country ?? 'US');
  await page.getByLabel('Payment token').fill(options.token ?? 'tok_visa');
};
