import { createInventoryService, type InventoryService } from './inventory-service';
import type { ParticipantDeps } from './participant-call';
import { createPaymentGateway, type PaymentGateway } from './payment-gateway';
import { createShippingCarrier, type ShippingCarrier } from './shipping-carrier';

/** The simulated services the fulfilment saga talks to; tests may wrap them (e.g. to hold a call). */
export type Participants = {
  readonly inventory: InventoryService;
  readonly payment: PaymentGateway;
  readonly shipping: ShippingCarrier;
};

export const createParticipants = (deps: ParticipantDeps): Participants => ({
  inventory: createInventoryService(deps),
  payment: createPaymentGateway(deps),
  shipping: createShippingCarrier(deps),
});

export type { ParticipantCall, ParticipantDeps } from './participant-call';
