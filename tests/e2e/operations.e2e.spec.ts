import { expect, test, type Page } from '@playwright/test';
import { api, waitForLive, waitForQuiet } from './support';

const CARDS = ['orders-today', 'in-flight', 'completed', 'cancelled', 'revenue'];
const figures = async (page: Page) => {
  const out: Record<string, string> = {};
  for (const card of CARDS) out[card] = (await page.getByTestId(`stat-${card}-value`).textContent()) ?? '';
  return out;
};

test('a projection rebuild from the operations page completes with progress, and the dashboard shows the same figures', async ({ page, request }) => {
  const client = api(request);
  if ((await client.listOrders({ limit: 5 })).items.length < 5) {
    for (let i = 0; i < 5; i++) await client.placeOrder({ customerId: 'cus_hedy' });
  }
  await waitForQuiet(client);
  const stats = await client.stats();

  await page.goto('/');
  await waitForLive(page);
  await expect(page.getByTestId('stat-completed-value')).toHaveText(String(stats.completed));
  await expect(page.getByTestId('stat-cancelled-value')).toHaveText(String(stats.cancelled));
  const before = await figures(page);

  await page.getByRole('link', { name: 'Operations' }).click();
  const projection = page.locator('[data-testid="projection"][data-name="dashboard-stats"]');
  await expect(projection).toBeVisible();
  await projection.getByRole('button', { name: 'Rebuild dashboard-stats' }).click();
  const progress = projection.getByRole('progressbar', { name: 'Rebuild progress of dashboard-stats' });
  await expect(progress).toBeVisible();
  await expect(projection.getByTestId('rebuild-done')).toBeVisible({ timeout: 60_000 });
  await expect(progress).toHaveAttribute('aria-valuenow', '100');
  await expect(projection).toHaveAttribute('data-status', 'running');
  await expect(projection.getByTestId('projection-lag')).toHaveText('0');
  await projection.getByRole('button', { name: 'Verify dashboard-stats against a replay of the log' }).click();
  await expect(projection.getByTestId('verify-result')).toContainText('Identical to a replay');

  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('stat-completed-value')).toHaveText(before.completed!);
  expect(await figures(page)).toEqual(before);
  await page.reload();
  await expect(page.getByTestId('stat-revenue-value')).toHaveText(before.revenue!);
  expect(await figures(page)).toEqual(before);
});

test.describe('fault injection', () => {
  test.afterEach(async ({ request }) => {
    await api(request).mutate('faults.set', { participant: 'payment', latencyMs: 300, transientErrorRate: 0 });
  });

  test('a saga with injected transient errors shows its retries, then completes', async ({ page, request }) => {
    const client = api(request);
    await page.goto('/operations');
    const payment = page.getByTestId('fault-payment');
    await payment.getByLabel('Payment latency (ms)').fill('1000');
    await payment.getByLabel('Payment transient error rate (%)').fill('100');
    await payment.getByRole('button', { name: 'Apply' }).click();
    await expect(payment.getByTestId('fault-saved')).toBeVisible();
    const faults = await client.query<Record<string, { latencyMs: number; transientErrorRate: number }>>('faults.get');
    expect(faults.payment).toEqual({ latencyMs: 1000, transientErrorRate: 1 });

    const { orderId } = await client.placeOrder({ customerId: 'cus_alan' });
    // The participant recovers as soon as the first attempt has failed, well before the attempts
    // run out (watched through the API: loading the page first could take longer than that).
    const failedAttempts = async () =>
      (await client.order(orderId)).saga?.steps.find((s) => s.step === 'chargePayment')?.attempts.filter((a) => a.outcome === 'error').length ?? 0;
    await expect.poll(failedAttempts, { timeout: 20_000, intervals: [100] }).toBeGreaterThan(0);
    await client.mutate('faults.set', { participant: 'payment', latencyMs: 300, transientErrorRate: 0 });

    await page.goto(`/orders/${orderId}`);
    const charge = page.locator('[data-testid="saga-step"][data-step="chargePayment"]');
    const failedAttempt = charge.locator('[data-testid="step-attempt"][data-outcome="error"]').first();
    await expect(failedAttempt).toBeVisible({ timeout: 20_000 });
    await expect(failedAttempt).toContainText(/temporarily unavailable/i);

    const stepper = page.getByTestId('saga-stepper');
    await expect(stepper).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
    await expect(charge).toHaveAttribute('data-status', 'succeeded');
    expect(Number(await charge.getAttribute('data-attempts'))).toBeGreaterThanOrEqual(2);
    await expect(charge.locator('[data-testid="step-attempt"][data-outcome="succeeded"]')).toHaveCount(1);
    await expect(page.getByTestId('saga-retries')).toBeVisible();
    await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'confirmed');
  });
});
