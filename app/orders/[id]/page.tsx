import { Suspense } from 'react';
import { OrderPage } from '@/components/order/order-page';
import { Loading } from '@/components/ui/states';

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<Loading label="Loading the order…" />}>
      <OrderPage orderId={decodeURIComponent(id)} />
    </Suspense>
  );
}
