import { expect, test, type Page } from '@playwright/test';
import { api, fillOrderForm, waitForLive, waitForQuiet } from './support';

const rows = (page: Page) =>
  page.getByTestId('order-row').evaluateAll((els) => els.map((r) => ({ id: (r as HTMLElement).dataset.orderId!, status: (r as HTMLElement).dataset.status! })));

test('an order placed in one browser appears and progresses live in another’s dashboard', async ({ browser, page }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL;
  await page.goto('/');
  await waitForLive(page);
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const other = await browser.newContext({ baseURL });
  const placer = await other.newPage();
  await placer.goto('/orders/new');
  await fillOrderForm(placer, { customer: 'cus_margaret', sku: 'SKU-HS-05' });
  await placer.getByRole('button', { name: 'Place order' }).click();
  await placer.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  const orderId = placer.url().split('/').pop()!;

  const row = page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
  await expect(row).toHaveCount(1, { timeout: 10_000 });
  await expect(row).toContainText('Margaret Hamilton');
  await expect(row).toHaveAttribute('data-status', 'confirmed', { timeout: 30_000 });
  await expect(page.getByTestId('order-row').first()).toHaveAttribute('data-order-id', orderId);
  await expect(row).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  await other.close();
});

test('after the connection drops and comes back, the dashboard catches up with no duplicate or missing rows', async ({ page, context, request }) => {
  const client = api(request);
  await waitForQuiet(client);
  await page.goto('/');
  await waitForLive(page);
  await expect(page.getByTestId('order-row').first()).toBeVisible();
  const before = await rows(page);
  expect(before.length).toBeGreaterThan(0);

  await context.setOffline(true);
  // Offline emulation may leave an open WebSocket alone: close it through the test hook too.
  await page.evaluate(() => window.__orderflowTest!.dropConnection());
  const indicator = page.getByTestId('connection-indicator');
  await expect(indicator).toHaveAttribute('data-state', 'reconnecting');

  // Meanwhile: new orders, and existing ones progressing.
  const placed: string[] = [];
  for (const customerId of ['cus_tim', 'cus_donald', 'cus_tim']) placed.push((await client.placeOrder({ customerId })).orderId);
  await page.waitForTimeout(1500);
  for (const id of placed) await expect(page.locator(`[data-testid="order-row"][data-order-id="${id}"]`)).toHaveCount(0);
  await expect(indicator).toHaveAttribute('data-state', 'reconnecting');

  await context.setOffline(false);
  await waitForLive(page);
  for (const id of placed) await expect(page.locator(`[data-testid="order-row"][data-order-id="${id}"]`)).toHaveCount(1);

  await waitForQuiet(client);
  const expected = await client.listOrders({ limit: before.length + placed.length });
  await expect
    .poll(async () => rows(page), { timeout: 15_000 })
    .toEqual(expected.items.map((o) => ({ id: o.orderId, status: o.status })));
  const ids = (await rows(page)).map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
});
