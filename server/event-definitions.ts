import type { EventDefinition } from './event-store/event-definitions';
import { EventRegistry } from './event-store/event-registry';
import { fulfilmentEventDefinitions } from './fulfilment/events';
import { inventoryEventDefinitions } from './inventory/events';
import { orderEventDefinitions } from './orders/events';
import { paymentEventDefinitions } from './payments/events';
import { shipmentEventDefinitions } from './shipping/events';

/** Every event type the log may hold; add an aggregate's definitions here when it is born. */
export const allEventDefinitions: readonly EventDefinition[] = [
  ...orderEventDefinitions,
  ...inventoryEventDefinitions,
  ...paymentEventDefinitions,
  ...shipmentEventDefinitions,
  ...fulfilmentEventDefinitions,
];

export const createEventRegistry = () => new EventRegistry(allEventDefinitions);
