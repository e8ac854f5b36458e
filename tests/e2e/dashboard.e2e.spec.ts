import { expect, test, type Page } from '@playwright/test';
import { api, waitForLive, waitForQuiet } from './support';

const rowIds = (page: Page) => page.getByTestId('order-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.orderId!));
const rowAttr = (page: Page, name: string) => page.getByTestId('order-row').evaluateAll((rows, attr) => rows.map((r) => r.getAttribute(attr)), name);

test('the dashboard lists the orders; filters, search and keyset paging work', async ({ page, request }) => {
  const client = api(request);
  // The demo data set, topped up so that there are two pages of ten and two customers to filter on.
  const existing = await client.listOrders({ limit: 100 });
  for (let i = existing.items.length; i < 14; i++) {
    await client.placeOrder({ customerId: i % 2 ? 'cus_linus' : 'cus_hedy', lines: [{ sku: 'SKU-CB-09', quantity: 1 + (i % 3) }] });
  }
  await client.placeOrder({ customerId: 'cus_linus', paymentToken: 'tok_declined' });
  await waitForQuiet(client);

  await page.goto('/');
  await waitForLive(page);
  const all = await client.listOrders({ limit: 25 });
  await expect(page.getByTestId('order-row')).toHaveCount(all.items.length);
  expect(await rowIds(page)).toEqual(all.items.map((o) => o.orderId));
  await expect(page.getByTestId('stat-orders-today-value')).not.toHaveText('0');

  // Customer filter.
  await page.getByLabel('Customer', { exact: true }).selectOption('cus_linus');
  await expect(page).toHaveURL(/customer=cus_linus/);
  const linus = await client.listOrders({ customerId: 'cus_linus', limit: 25 });
  await expect(page.getByTestId('order-row')).toHaveCount(linus.items.length);
  expect(new Set(await rowAttr(page, 'data-customer-id'))).toEqual(new Set(['cus_linus']));

  // Status filter on top of it.
  await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
  const linusCancelled = await client.listOrders({ customerId: 'cus_linus', status: 'cancelled', limit: 25 });
  expect(linusCancelled.items.length).toBeGreaterThan(0);
  await expect(page.getByTestId('order-row')).toHaveCount(linusCancelled.items.length);
  expect(new Set(await rowAttr(page, 'data-status'))).toEqual(new Set(['cancelled']));

  // Clear, then search by order id (whole id and prefix).
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.getByTestId('order-row')).toHaveCount(all.items.length);
  const target = all.items[3]!.orderId;
  await page.getByLabel('Order id', { exact: true }).fill(target);
  await expect(page).toHaveURL(new RegExp(`q=${target}`));
  await expect(page.getByTestId('order-row')).toHaveCount(1);
  await expect(page.getByTestId('order-row')).toHaveAttribute('data-order-id', target);
  const prefix = target.slice(0, 8);
  await page.getByLabel('Order id', { exact: true }).fill(prefix);
  const byPrefix = await client.listOrders({ search: prefix, limit: 25 });
  await expect(page).toHaveURL(new RegExp(`q=${prefix}$`));
  await expect(page.getByTestId('order-row')).toHaveCount(byPrefix.items.length);
  await page.getByLabel('Order id', { exact: true }).fill('');
  await expect(page).not.toHaveURL(/q=/);
  await expect(page.getByTestId('order-row')).toHaveCount(all.items.length);

  // Keyset paging, ten per page.
  await page.getByLabel('Per page').selectOption('10');
  await expect(page).toHaveURL(/size=10/);
  const first = await client.listOrders({ limit: 10 });
  const second = await client.listOrders({ limit: 10, cursor: first.nextCursor });
  await expect(page.getByTestId('order-row')).toHaveCount(10);
  expect(await rowIds(page)).toEqual(first.items.map((o) => o.orderId));
  await page.getByRole('button', { name: 'Older →' }).click();
  await expect(page.getByTestId('page-number')).toHaveText('Page 2');
  await expect(page.getByTestId('order-row')).toHaveCount(second.items.length);
  expect(await rowIds(page)).toEqual(second.items.map((o) => o.orderId));
  await page.getByRole('button', { name: '← Newer' }).click();
  await expect(page.getByTestId('page-number')).toHaveText('Page 1');
  expect(await rowIds(page)).toEqual(first.items.map((o) => o.orderId));

  // A row opens its order.
  await page.getByRole('link', { name: `Order ${first.items[0]!.orderId}` }).click();
  await expect(page.getByTestId('order-id')).toHaveText(first.items[0]!.orderId);
});
