import { expect, test } from '@playwright/test';
import { api, waitForStatus } from './support';

test('replay: the first event shows the just-placed order, each step forward shows the next change, and ?at= links reproduce it', async ({ page, context, request }) => {
  // Some forty checks against the page and the API, one per event: slow on a busy machine.
  test.setTimeout(120_000);
  const client = api(request);
  const { orderId } = await client.placeOrder({ customerId: 'cus_barbara', lines: [{ sku: 'SKU-LS-13', quantity: 1 }, { sku: 'SKU-DM-15', quantity: 2 }] });
  await waitForStatus(client, orderId, ['confirmed']);
  // The saga records its completion right after confirming the order.
  await expect.poll(async () => (await client.timeline(orderId)).events.some((e) => e.type === 'FulfilmentCompleted'), { timeout: 15_000 }).toBe(true);
  const { events } = await client.timeline(orderId);
  expect(events.length).toBeGreaterThan(4);

  await page.goto(`/orders/${orderId}`);
  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'confirmed');
  await expect(page.getByTestId('timeline-event')).toHaveCount(events.length);

  // Scrub to the very first event with the slider (keyboard: Home).
  const slider = page.getByRole('slider', { name: 'Replay position' });
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(page).toHaveURL(new RegExp(`\\?at=${events[0]!.position}$`));
  await expect(page.getByTestId('replay-banner')).toBeVisible();
  await expect(page.getByTestId('replay-position')).toContainText(`Event 1 of ${events.length}`);
  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'placed');
  await expect(page.getByTestId('payment-ref')).toContainText('not charged');
  await expect(page.getByTestId('saga-stepper')).toHaveAttribute('data-status', 'none');

  // Step forward through every event: the page matches the log folded up to that point.
  let previousStatus = 'placed';
  const seenStatuses = new Set<string>(['placed']);
  for (let i = 1; i < events.length; i++) {
    await page.getByRole('button', { name: 'Step forward' }).click();
    const position = events[i]!.position;
    await expect(page).toHaveURL(new RegExp(`\\?at=${position}$`));
    await expect(page.getByTestId('replay-position')).toContainText(`Event ${i + 1} of ${events.length}`);
    await expect(page.locator('[data-testid="timeline-event"][aria-current="step"]')).toHaveAttribute('data-position', String(position));
    const expected = await client.stateAt(orderId, position);
    const status = page.getByTestId('order-status');
    await expect(status).toHaveAttribute('data-status', expected.order.status);
    if (expected.order.status !== previousStatus) await expect(status).toHaveClass(/changed/);
    const saga = expected.saga as { status?: string } | null;
    if (saga?.status) await expect(page.getByTestId('saga-stepper')).toHaveAttribute('data-status', saga.status);
    previousStatus = expected.order.status;
    seenStatuses.add(previousStatus);
  }
  expect([...seenStatuses]).toEqual(expect.arrayContaining(['placed', 'inventory_reserved', 'paid', 'shipment_created', 'confirmed']));
  await expect(page.getByRole('button', { name: 'Step forward' })).toBeDisabled();

  // Step back to a middle point; a fresh tab opened on its ?at= link shows the same state.
  const middle = events.findIndex((e) => e.type === 'OrderPaid');
  expect(middle).toBeGreaterThan(0);
  for (let i = events.length - 1; i > middle; i--) await page.getByRole('button', { name: 'Step back' }).click();
  await expect(page).toHaveURL(new RegExp(`\\?at=${events[middle]!.position}$`));
  await expect(page.getByTestId('order-status')).toHaveAttribute('data-status', 'paid');
  const here = {
    status: await page.getByTestId('order-status').getAttribute('data-status'),
    saga: await page.getByTestId('saga-stepper').getAttribute('data-status'),
    steps: await page.getByTestId('saga-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-status')}`)),
    payment: await page.getByTestId('payment-ref').textContent(),
    position: await page.getByTestId('replay-position').textContent(),
  };
  const link = page.url();

  const other = await context.newPage();
  await other.goto(link);
  await expect(other.getByTestId('replay-banner')).toBeVisible();
  await expect(other.getByTestId('order-status')).toHaveAttribute('data-status', here.status!);
  await expect(other.getByTestId('saga-stepper')).toHaveAttribute('data-status', here.saga!);
  await expect(other.getByTestId('replay-position')).toHaveText(here.position!);
  await expect(other.getByTestId('payment-ref')).toHaveText(here.payment!);
  expect(await other.getByTestId('saga-step').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-status')}`))).toEqual(here.steps);

  // Back to now.
  await other.getByRole('button', { name: 'Back to now' }).first().click();
  await expect(other).toHaveURL(new RegExp(`/orders/${orderId}$`));
  await expect(other.getByTestId('order-status')).toHaveAttribute('data-status', 'confirmed');
});
