import type { Metadata } from 'next';
import { OrderForm } from '@/components/order-form/order-form';

export const metadata: Metadata = { title: 'Place an order' };

export default function NewOrderPage() {
  return <OrderForm />;
}
