import { DomainError } from '../shared/errors';
import { requireCountryCode, requireIsoDateTime, requireText } from '../shared/domain-guards';
import { assertNever, type Decider } from '../shared/messages';
import type { CancelShipment, CreateShipment, ShipmentCommand } from './commands';
import type { ShipmentEvent } from './events';
import { evolve, initialState, type ShipmentState } from './state';

const createShipment = ({ data }: CreateShipment, state: ShipmentState): ShipmentEvent[] => {
  requireText(data.shipmentId, ['shipmentId'], 'Shipment id');
  requireText(data.carrier, ['carrier'], 'Carrier');
  requireText(data.trackingNumber, ['trackingNumber'], 'Tracking number');
  requireCountryCode(data.country, ['country']);
  if (state.status === 'created') return [];
  if (state.status === 'cancelled') {
    throw new DomainError(
      'INVALID_STATE',
      `The shipment of order ${data.orderId} was cancelled and cannot be created again`,
      { orderId: data.orderId, status: state.status },
    );
  }

  if (!data.supportedCountries.includes(data.country)) {
    // Repeating the same refusal adds nothing; the saga already reacted to the first one.
    if (state.status === 'rejected' && state.country === data.country) return [];
    return [
      {
        type: 'ShipmentRejected',
        data: {
          orderId: data.orderId,
          country: data.country,
          reason: `Carrier cannot ship to ${data.country}`,
          rejectedAt: data.now,
        },
      },
    ];
  }
  return [
    {
      type: 'ShipmentCreated',
      data: {
        shipmentId: data.shipmentId,
        orderId: data.orderId,
        carrier: data.carrier,
        trackingNumber: data.trackingNumber,
        country: data.country,
        createdAt: data.now,
      },
    },
  ];
};

const cancelShipment = ({ data }: CancelShipment, state: ShipmentState): ShipmentEvent[] => {
  requireText(data.reason, ['reason'], 'Cancellation reason');
  if (state.status !== 'created') return [];
  return [
    {
      type: 'ShipmentCancelled',
      data: { shipmentId: state.shipmentId, orderId: data.orderId, reason: data.reason, cancelledAt: data.now },
    },
  ];
};

export const decide = (command: ShipmentCommand, state: ShipmentState): ShipmentEvent[] => {
  requireText(command.data.orderId, ['orderId'], 'Order id');
  requireIsoDateTime(command.data.now, ['now'], 'The current time');
  switch (command.type) {
    case 'CreateShipment':
      return createShipment(command, state);
    case 'CancelShipment':
      return cancelShipment(command, state);
    default:
      return assertNever(command);
  }
};

export const shipmentDecider: Decider<ShipmentCommand, ShipmentEvent, ShipmentState> = {
  initialState,
  evolve,
  decide,
};
