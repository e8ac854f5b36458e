import { assertNever } from '../shared/messages';
import type { ShipmentEvent } from './events';

export type CreatedShipment = {
  readonly shipmentId: string;
  readonly orderId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly country: string;
  readonly createdAt: string;
};

export type ShipmentState =
  | { readonly status: 'none' }
  | {
      readonly status: 'rejected';
      readonly orderId: string;
      readonly country: string;
      readonly reason: string;
      readonly rejectedAt: string;
    }
  | ({ readonly status: 'created' } & CreatedShipment)
  | ({
      readonly status: 'cancelled';
      readonly cancellationReason: string;
      readonly cancelledAt: string;
    } & CreatedShipment);

export const initialState = (): ShipmentState => ({ status: 'none' });

export const evolve = (state: ShipmentState, event: ShipmentEvent): ShipmentState => {
  switch (event.type) {
    case 'ShipmentCreated':
      return { status: 'created', ...event.data };
    case 'ShipmentRejected':
      return { status: 'rejected', ...event.data };
    case 'ShipmentCancelled':
      // Only a created shipment can be cancelled; on any other state it is ignored rather than crashing a replay.
      return state.status === 'created'
        ? {
            ...state,
            status: 'cancelled',
            cancellationReason: event.data.reason,
            cancelledAt: event.data.cancelledAt,
          }
        : state;
    default:
      return assertNever(event);
  }
};
