import { expect, test, type Page } from '@playwright/test';
import { api, fillOrderForm } from './support';

const FORWARD = ['reserveInventory', 'chargePayment', 'createShipment', 'confirmOrder'];

const submitAndOpen = async (page: Page) => {
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop()!;
};

/**
 * Records, in the page, every status the order page and its stepper show (a single-page app
 * keeps the document across the navigation), to prove they moved live rather than on reload.
 */
const recordStatuses = (page: Page) =>
  page.evaluate(() => {
    const seen: { order: string[]; saga: string[] } = { order: [], saga: [] };
    (window as unknown as { __seen: typeof seen }).__seen = seen;
    const note = (list: string[], value: string | null | undefined) => {
      if (value && list[list.length - 1] !== value) list.push(value);
    };
    new MutationObserver(() => {
      note(seen.order, document.querySelector('[data-testid="order-status"]')?.getAttribute('data-status'));
      note(seen.saga, document.querySelector('[data-testid="saga-stepper"]')?.getAttribute('data-status'));
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
const seenStatuses = (page: Page) => page.evaluate(() => (window as unknown as { __seen: { order: string[]; saga: string[] } }).__seen);

test('an order placed through the form shows at once, and its saga moves live to Completed', async ({ page }) => {
  const notFound: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('orders.byId') && r.status() === 404) notFound.push(r.url());
  });
  await page.goto('/orders/new');
  await fillOrderForm(page, { token: 'tok_visa', sku: 'SKU-MS-02', quantity: '2' });
  await expect(page.getByTestId('form-total')).toHaveText('$78.00');
  await recordStatuses(page);
  const orderId = await submitAndOpen(page);
  // Read-your-writes: the page shows the order straight away, never "not found".
  await expect(page.getByTestId('order-id')).toHaveText(orderId, { timeout: 3000 });
  await expect(page.getByTestId('order-not-found')).toHaveCount(0);
  await expect(page.getByTestId('order-total')).toHaveText('$78.00');
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  const stepper = page.getByTestId('saga-stepper');
  await expect(stepper).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'confirmed');
  const seen = await seenStatuses(page);
  expect(seen.order[seen.order.length - 1]).toBe('confirmed');
  expect(seen.order.length, `order statuses seen: ${seen.order.join(' → ')}`).toBeGreaterThan(1);
  expect(seen.saga.length, `saga statuses seen: ${seen.saga.join(' → ')}`).toBeGreaterThan(1);
  expect(seen.saga[seen.saga.length - 1]).toBe('completed');

  for (const step of FORWARD) await expect(stepper.locator(`[data-step="${step}"]`)).toHaveAttribute('data-status', 'succeeded');
  await expect(page.getByTestId('saga-status')).toHaveText('Completed');
  await expect(page.getByTestId('payment-ref')).not.toContainText('not charged');
  await expect(page.getByTestId('shipment-ref')).not.toContainText('not created');
  await expect(page.getByTestId('cancel-order')).toBeDisabled();
  await expect(page.getByTestId('cancel-blocked-reason')).toContainText('complete');
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  expect(notFound).toEqual([]);
});

test('a declined payment shows the failure and the compensations; the order ends Cancelled with the reason', async ({ page }) => {
  await page.goto('/orders/new');
  await fillOrderForm(page, { token: 'tok_declined', customer: 'cus_edsger', country: 'NL' });
  await submitAndOpen(page);
  const stepper = page.getByTestId('saga-stepper');
  await expect(stepper).toHaveAttribute('data-status', 'compensated', { timeout: 30_000 });

  const charge = stepper.locator('[data-step="chargePayment"]');
  await expect(charge).toHaveAttribute('data-status', 'failed');
  await expect(charge.getByTestId('step-error')).toContainText(/declin/i);
  await expect(stepper.locator('[data-step="reserveInventory"]')).toHaveAttribute('data-status', 'compensated');
  await expect(stepper.locator('[data-step="createShipment"]')).toHaveAttribute('data-status', 'skipped');

  const compensation = page.getByTestId('saga-compensation');
  await expect(compensation).toBeVisible();
  await expect(compensation.getByTestId('saga-reason')).toContainText(/declin/i);
  await expect(compensation.locator('[data-kind="compensation"][data-step="releaseInventory"]')).toHaveAttribute('data-status', 'succeeded');
  await expect(compensation.locator('[data-kind="compensation"][data-step="cancelOrder"]')).toHaveAttribute('data-status', 'succeeded');
  await expect(compensation.locator('[data-step="refundPayment"]')).toHaveCount(0);

  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('cancellation-reason')).toContainText(/declin/i);
  await expect(page.getByTestId('cancel-order')).toBeDisabled();
  await expect(page.getByTestId('cancel-blocked-reason')).toContainText('already cancelled');
});

test('invalid input shows the messages beside the fields and places nothing', async ({ page, request }) => {
  const client = api(request);
  const before = (await client.listOrders({ limit: 100 })).items.length;
  let placeCalls = 0;
  page.on('request', (r) => {
    if (r.url().includes('orders.place')) placeCalls += 1;
  });
  await page.goto('/orders/new');
  await page.getByLabel('Payment token').fill('');
  await page.getByRole('button', { name: 'Place order' }).click();

  await expect(page.getByTestId('form-error-summary')).toBeVisible();
  for (const message of [
    'Choose a customer',
    'Choose a product',
    'Enter the recipient name',
    'Enter the street address',
    'Enter the city',
    'Enter the postal code',
    'Use a two-letter country code, e.g. GB',
    'Enter a payment token',
  ]) {
    await expect(page.getByText(message, { exact: true })).toBeVisible();
  }
  // Messages sit beside their fields (described-by) and the fields are marked invalid.
  await expect(page.getByLabel('City')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('City')).toHaveAccessibleDescription('Enter the city');

  // Fix some, break others: the messages follow.
  await fillOrderForm(page, { quantity: '0', country: 'G' });
  await page.getByLabel('Payment token').fill('tok_visa');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByText('At least 1', { exact: true })).toBeVisible();
  await expect(page.getByText('Use a two-letter country code, e.g. GB', { exact: true })).toBeVisible();
  await expect(page.getByText('Choose a customer', { exact: true })).toHaveCount(0);
  await page.getByLabel('Quantity', { exact: true }).fill('1.5');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByText('Quantity must be a whole number', { exact: true })).toBeVisible();

  await expect(page).toHaveURL(/\/orders\/new$/);
  expect(placeCalls).toBe(0);
  expect((await client.listOrders({ limit: 100 })).items.length).toBe(before);
});
