'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { placeOrderInput } from '@/server/handlers/order-inputs';
import { rememberWrite } from '@/components/live/live-store';
import { formatMoney } from '@/components/lib/format';
import type { Product, RouterInputs } from '@/components/lib/types';
import { orderQueryKey } from '@/components/order/use-order';
import { useTRPC, useTRPCClient } from '@/components/trpc/client';
import { ErrorBox, Spinner } from '@/components/ui/states';

type Line = { key: number; sku: string; quantity: string };
type Address = { name: string; line1: string; city: string; postalCode: string; country: string };
type Errors = Record<string, string>;

const TEST_TOKENS = [
  { token: 'tok_visa', effect: 'charge succeeds', tone: 'text-emerald-700' },
  { token: 'tok_declined', effect: 'card declined → compensations, order cancelled', tone: 'text-rose-700' },
  { token: 'tok_insufficient_funds', effect: 'declined for insufficient funds', tone: 'text-rose-700' },
  { token: 'tok_timeout', effect: 'gateway never answers → the step times out and is retried, then the order is cancelled', tone: 'text-amber-700' },
] as const;

const emptyAddress: Address = { name: '', line1: '', city: '', postalCode: '', country: '' };

type FieldErrorShape = { path: string[]; message: string }[] | null | undefined;

/** The server's per-field messages (same zod schemas), keyed like the form's own. */
const serverFieldErrors = (error: unknown): Errors => {
  if (!(error instanceof TRPCClientError)) return {};
  const list = (error.data as { fieldErrors?: FieldErrorShape } | undefined)?.fieldErrors ?? [];
  const out: Errors = {};
  for (const issue of list) out[issue.path.join('.')] ||= issue.message;
  return out;
};

export const OrderForm = () => {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const ids = useId();
  const customers = useQuery(trpc.customers.list.queryOptions(undefined, { staleTime: 60_000 }));
  const catalog = useQuery(trpc.catalog.list.queryOptions(undefined, { refetchInterval: 15_000 }));

  const nextKey = useRef(1);
  const [customerId, setCustomerId] = useState('');
  const [lines, setLines] = useState<Line[]>([{ key: 0, sku: '', quantity: '1' }]);
  const [address, setAddress] = useState<Address>(emptyAddress);
  const [paymentToken, setPaymentToken] = useState('tok_visa');
  const [errors, setErrors] = useState<Errors>({});
  const [submitted, setSubmitted] = useState(false);
  // One key per filled-in form: a double submit or a retry never places two orders.
  const [idempotencyKey, setIdempotencyKey] = useState(() => `ui-${crypto.randomUUID()}`);

  const products = useMemo(() => new Map((catalog.data?.items ?? []).map((p) => [p.sku, p])), [catalog.data]);

  const value = (): RouterInputs['orders']['place'] => ({
    customerId,
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity.trim() === '' ? Number.NaN : Number(l.quantity) })),
    shippingAddress: address,
    paymentToken,
    idempotencyKey,
  });

  const validate = (): Errors => {
    const result = placeOrderInput.safeParse(value());
    if (result.success) return {};
    const out: Errors = {};
    for (const issue of result.error.issues) out[issue.path.map(String).join('.')] ||= issue.message;
    return out;
  };

  const place = useMutation({
    mutationFn: (input: RouterInputs['orders']['place']) => client.orders.place.mutate(input),
    onSuccess: async (result) => {
      rememberWrite(result.orderId, result.position);
      // Read-your-writes: load the order as of our own write before showing its page.
      await queryClient
        .fetchQuery({
          queryKey: orderQueryKey(result.orderId),
          queryFn: () => client.orders.byId.query({ orderId: result.orderId, minPosition: result.position }),
        })
        .catch(() => undefined);
      router.push(`/orders/${result.orderId}`);
    },
    onError: (error) => {
      setErrors(serverFieldErrors(error));
      // A refused command wrote nothing; the next attempt may use a new key.
      setIdempotencyKey(`ui-${crypto.randomUUID()}`);
    },
  });

  const revalidate = () => {
    if (submitted) setErrors(validate());
  };

  const onSubmit = (e: React.FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    place.mutate(placeOrderInput.parse(value()));
  };

  const total = lines.reduce((sum, l) => sum + (products.get(l.sku)?.priceCents ?? 0) * (Number(l.quantity) || 0), 0);
  const errorCount = Object.keys(errors).length;
  const formError = place.error && Object.keys(serverFieldErrors(place.error)).length === 0 ? place.error : null;

  const setLine = (key: number, patch: Partial<Line>) => setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));

  return (
    <form noValidate onSubmit={onSubmit} onBlur={revalidate} className="space-y-5" aria-describedby={errorCount ? `${ids}-summary` : undefined} data-testid="order-form">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Place an order</h1>
          <p className="text-sm text-slate-500">The order is validated here with the same rules the server applies, then the fulfilment saga takes over.</p>
        </div>
        <Link href="/" className="btn">
          Cancel
        </Link>
      </div>

      {errorCount > 0 ? (
        <div id={`${ids}-summary`} role="alert" className="rounded-md border border-rose-200 bg-rose-50 px-4 py-3 text-sm text-rose-900" data-testid="form-error-summary">
          Please fix {errorCount} problem{errorCount === 1 ? '' : 's'} below. Nothing was placed.
        </div>
      ) : null}
      {formError ? <ErrorBox title="The order was not placed" error={formError} /> : null}

      <div className="grid grid-cols-[minmax(0,1fr)] gap-5 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="space-y-5">
          <Section title="Customer">
            <Field id={`${ids}-customer`} label="Customer" error={errors.customerId} hideLabel>
              <select
                id={`${ids}-customer`}
                className="input"
                value={customerId}
                aria-invalid={Boolean(errors.customerId)}
                aria-describedby={errors.customerId ? `${ids}-customer-error` : undefined}
                onChange={(e) => {
                  const id = e.target.value;
                  setCustomerId(id);
                  const customer = customers.data?.items.find((c) => c.customerId === id);
                  if (customer) setAddress((a) => ({ ...a, name: a.name || customer.name, country: a.country || customer.country }));
                }}
                data-testid="customer-select"
              >
                <option value="">{customers.isLoading ? 'Loading customers…' : 'Choose a customer…'}</option>
                {customers.data?.items.map((c) => (
                  <option key={c.customerId} value={c.customerId}>
                    {c.name} ({c.country})
                  </option>
                ))}
              </select>
            </Field>
          </Section>

          <Section title="Products" description={catalog.isLoading ? 'Loading the catalog…' : 'Available stock is shown per product; ordering more than is available ends in a cancelled order.'}>
            {errors.lines ? (
              <p className="field-error" id={`${ids}-lines-error`} role="alert">
                {errors.lines}
              </p>
            ) : null}
            <ul className="space-y-3" aria-label="Order lines">
              {lines.map((line, index) => {
                const product = products.get(line.sku);
                const skuError = errors[`lines.${index}.sku`];
                const qtyError = errors[`lines.${index}.quantity`];
                const qty = Number(line.quantity) || 0;
                const short = product?.available != null && qty > product.available;
                return (
                  <li key={line.key} className="grid grid-cols-[minmax(0,1fr)_5.5rem_auto] items-start gap-2 sm:grid-cols-[minmax(0,1fr)_6rem_6rem_auto]" data-testid="order-line">
                    <Field id={`${ids}-sku-${line.key}`} label={`Product ${index + 1}`} error={skuError} hideLabel={index > 0}>
                      <select
                        id={`${ids}-sku-${line.key}`}
                        className="input"
                        value={line.sku}
                        aria-invalid={Boolean(skuError)}
                        aria-describedby={skuError ? `${ids}-sku-${line.key}-error` : undefined}
                        onChange={(e) => setLine(line.key, { sku: e.target.value })}
                        data-testid="line-product"
                      >
                        <option value="">Choose a product…</option>
                        {(catalog.data?.items ?? []).map((p) => (
                          <option key={p.sku} value={p.sku} disabled={p.available === 0}>
                            {p.name} — {formatMoney(p.priceCents)} · {availability(p)}
                          </option>
                        ))}
                      </select>
                      {product ? (
                        <p className={`mt-1 text-xs ${short ? 'font-medium text-amber-700' : 'text-slate-500'}`} data-testid="line-availability">
                          {short ? `Only ${product.available} available` : availability(product)} · {product.sku}
                        </p>
                      ) : null}
                    </Field>
                    <Field id={`${ids}-qty-${line.key}`} label="Quantity" error={qtyError} hideLabel={index > 0}>
                      <input
                        id={`${ids}-qty-${line.key}`}
                        className="input text-right"
                        inputMode="numeric"
                        value={line.quantity}
                        aria-invalid={Boolean(qtyError)}
                        aria-describedby={qtyError ? `${ids}-qty-${line.key}-error` : undefined}
                        onChange={(e) => setLine(line.key, { quantity: e.target.value })}
                        data-testid="line-quantity"
                      />
                    </Field>
                    <div className={`hidden sm:block ${index === 0 ? 'pt-6' : ''}`}>
                      <p className="py-1.5 text-right text-sm font-medium tabular-nums">{product ? formatMoney(product.priceCents * qty) : '—'}</p>
                    </div>
                    <div className={index === 0 ? 'pt-5' : ''}>
                      <button
                        type="button"
                        className="btn btn-sm mt-0.5 h-8"
                        aria-label={`Remove product ${index + 1}`}
                        disabled={lines.length === 1}
                        onClick={() => setLines((ls) => ls.filter((l) => l.key !== line.key))}
                      >
                        ✕
                      </button>
                    </div>
                  </li>
                );
              })}
            </ul>
            <button
              type="button"
              className="btn btn-sm mt-3"
              onClick={() => setLines((ls) => [...ls, { key: nextKey.current++, sku: '', quantity: '1' }])}
              disabled={lines.length >= 50}
              data-testid="add-line"
            >
              + Add product
            </button>
          </Section>

          <Section title="Shipping address" description="The carrier refuses some destinations (XX is a test code it never serves; also CU, IR, KP, SY): such orders are charged, then compensated and cancelled.">
            <div className="grid gap-3 sm:grid-cols-2">
              {(
                [
                  ['name', 'Recipient name', 'name'],
                  ['line1', 'Street address', 'address-line1'],
                  ['city', 'City', 'address-level2'],
                  ['postalCode', 'Postal code', 'postal-code'],
                ] as const
              ).map(([key, label, autoComplete]) => {
                const error = errors[`shippingAddress.${key}`];
                return (
                  <Field key={key} id={`${ids}-${key}`} label={label} error={error}>
                    <input
                      id={`${ids}-${key}`}
                      className="input"
                      value={address[key]}
                      autoComplete={autoComplete}
                      aria-invalid={Boolean(error)}
                      aria-describedby={error ? `${ids}-${key}-error` : undefined}
                      onChange={(e) => setAddress((a) => ({ ...a, [key]: e.target.value }))}
                      data-testid={`address-${key}`}
                    />
                  </Field>
                );
              })}
              <Field id={`${ids}-country`} label="Country (2 letters)" error={errors['shippingAddress.country']}>
                <input
                  id={`${ids}-country`}
                  className="input w-24 font-mono uppercase"
                  value={address.country}
                  maxLength={3}
                  autoComplete="country"
                  aria-invalid={Boolean(errors['shippingAddress.country'])}
                  aria-describedby={errors['shippingAddress.country'] ? `${ids}-country-error` : `${ids}-country-hint`}
                  onChange={(e) => setAddress((a) => ({ ...a, country: e.target.value }))}
                  data-testid="address-country"
                />
                <p id={`${ids}-country-hint`} className="mt-1 text-xs text-slate-500">
                  e.g. GB, US, NL. XX: the carrier refuses it.
                </p>
              </Field>
            </div>
          </Section>

          <Section title="Payment">
            <Field id={`${ids}-token`} label="Payment token" error={errors.paymentToken}>
              <input
                id={`${ids}-token`}
                className="input font-mono"
                value={paymentToken}
                list={`${ids}-tokens`}
                autoComplete="off"
                spellCheck={false}
                aria-invalid={Boolean(errors.paymentToken)}
                aria-describedby={`${ids}-token-help${errors.paymentToken ? ` ${ids}-token-error` : ''}`}
                onChange={(e) => setPaymentToken(e.target.value)}
                data-testid="payment-token"
              />
              <datalist id={`${ids}-tokens`}>
                {TEST_TOKENS.map((t) => (
                  <option key={t.token} value={t.token} />
                ))}
              </datalist>
            </Field>
            <div id={`${ids}-token-help`} className="mt-3 rounded-md border border-slate-200 bg-slate-50 p-3">
              <p className="text-xs font-semibold text-slate-600">Test tokens (the simulated gateway decides by token)</p>
              <ul className="mt-2 grid gap-1.5 text-sm">
                {TEST_TOKENS.map((t) => (
                  <li key={t.token} className="flex flex-wrap items-center gap-x-2">
                    <button type="button" className="font-mono text-xs text-indigo-700 underline decoration-dotted underline-offset-2 hover:text-indigo-900" onClick={() => setPaymentToken(t.token)}>
                      {t.token}
                    </button>
                    <span className={`text-xs ${t.tone}`}>{t.effect}</span>
                  </li>
                ))}
              </ul>
            </div>
          </Section>
        </div>

        <aside className="lg:sticky lg:top-20 lg:self-start">
          <div className="panel space-y-3 p-4">
            <h2 className="panel-title">Summary</h2>
            <dl className="space-y-1 text-sm">
              <div className="flex justify-between gap-2">
                <dt className="text-slate-500">Lines</dt>
                <dd>{lines.filter((l) => l.sku).length}</dd>
              </div>
              <div className="flex justify-between gap-2">
                <dt className="text-slate-500">Items</dt>
                <dd>{lines.reduce((n, l) => n + (l.sku ? Number(l.quantity) || 0 : 0), 0)}</dd>
              </div>
              <div className="flex justify-between gap-2 border-t border-slate-100 pt-2 text-base font-semibold">
                <dt>Total</dt>
                <dd data-testid="form-total">{formatMoney(total)}</dd>
              </div>
            </dl>
            <button type="submit" className="btn btn-primary w-full" disabled={place.isPending || place.isSuccess} data-testid="place-order">
              {place.isPending || place.isSuccess ? (
                <>
                  <Spinner /> Placing…
                </>
              ) : (
                'Place order'
              )}
            </button>
            <p className="text-xs text-slate-500">You will be taken to the order, where the saga runs live.</p>
          </div>
        </aside>
      </div>
    </form>
  );
};

const availability = (p: Product) => (p.available == null ? 'stock unknown' : p.available === 0 ? 'out of stock' : `${p.available} available`);

const Section = ({ title, description, children }: { title: string; description?: string; children: ReactNode }) => (
  <fieldset className="panel p-4">
    <legend className="sr-only">{title}</legend>
    <h2 className="panel-title" aria-hidden>
      {title}
    </h2>
    {description ? <p className="mt-0.5 mb-3 text-xs text-slate-500">{description}</p> : <div className="mb-3" />}
    {children}
  </fieldset>
);

const Field = ({ id, label, error, hideLabel, children }: { id: string; label: string; error?: string; hideLabel?: boolean; children: ReactNode }) => (
  <div className="min-w-0">
    <label htmlFor={id} className={hideLabel ? 'sr-only' : 'label'}>
      {label}
    </label>
    {children}
    {error ? (
      <p id={`${id}-error`} className="field-error" data-testid="field-error">
        {error}
      </p>
    ) : null}
  </div>
);
