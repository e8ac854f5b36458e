import type { Metadata } from 'next';
import { Suspense } from 'react';
import { EventBrowser } from '@/components/events/event-browser';
import { Loading } from '@/components/ui/states';

export const metadata: Metadata = { title: 'Events' };

export default function EventsPage() {
  return (
    <Suspense fallback={<Loading label="Loading events…" />}>
      <EventBrowser />
    </Suspense>
  );
}
