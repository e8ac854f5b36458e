import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../shared/decider-spec';
import type { CancelShipment, CreateShipment } from './commands';
import { shipmentDecider } from './decider';
import { shipmentEventDefinitions, type ShipmentEvent } from './events';
import { evolve, initialState } from './state';
import { orderIdFromShipmentStreamId, shipmentStreamId } from './stream';

const given = deciderSpec(shipmentDecider, shipmentEventDefinitions);

const orderId = 'ord-1001';
const now = '2025-03-01T10:03:00.000Z';

const createShipment = (data: Partial<CreateShipment['data']> = {}): CreateShipment => ({
  type: 'CreateShipment',
  data: {
    shipmentId: 'shp-1',
    orderId,
    country: 'DE',
    trackingNumber: 'JD0146000001',
    carrier: 'DHL',
    supportedCountries: ['DE', 'FR', 'GB'],
    now,
    ...data,
  },
});

const cancelShipment = (reason = 'Order cancelled'): CancelShipment => ({
  type: 'CancelShipment',
  data: { orderId, reason, now },
});

const shipmentCreated = (): ShipmentEvent => ({
  type: 'ShipmentCreated',
  data: { shipmentId: 'shp-1', orderId, carrier: 'DHL', trackingNumber: 'JD0146000001', country: 'DE', createdAt: now },
});

const shipmentRejected = (country = 'JP'): ShipmentEvent => ({
  type: 'ShipmentRejected',
  data: { orderId, country, reason: `Carrier cannot ship to ${country}`, rejectedAt: now },
});

const shipmentCancelled = (reason = 'Order cancelled'): ShipmentEvent => ({
  type: 'ShipmentCancelled',
  data: { shipmentId: 'shp-1', orderId, reason, cancelledAt: now },
});

describe('Shipment', () => {
  describe('When created', () => {
    it('should create a shipment to a country the carrier serves', () => {
      given([]).when(createShipment()).then([shipmentCreated()]);
    });

    it('should reject, as an event, a country the carrier does not serve', () => {
      given([]).when(createShipment({ country: 'JP' })).then([shipmentRejected('JP')]);
    });

    it('should change nothing when the shipment already exists', () => {
      given([shipmentCreated()]).when(createShipment({ shipmentId: 'shp-2' })).thenNothingHappens();
    });

    it('should change nothing when the same country is refused again', () => {
      given([shipmentRejected('JP')]).when(createShipment({ country: 'JP' })).thenNothingHappens();
    });

    it('should create the shipment once the carrier serves the country', () => {
      given([shipmentRejected('DE')]).when(createShipment()).then([shipmentCreated()]);
    });

    it('should refuse to recreate a cancelled shipment', () => {
      given([shipmentCreated(), shipmentCancelled()]).when(createShipment()).thenThrows('INVALID_STATE');
    });

    it.each(['de', 'DEU', ''])('should reject the country code %j', (country) => {
      given([]).when(createShipment({ country })).thenThrows('VALIDATION', { path: ['country'] });
    });

    it('should reject an empty tracking number', () => {
      given([]).when(createShipment({ trackingNumber: '' })).thenThrows('VALIDATION', { path: ['trackingNumber'] });
    });

    it('should reject a current time that is not an ISO-8601 date-time', () => {
      given([]).when(createShipment({ now: '2025-03-01' })).thenThrows('VALIDATION', { path: ['now'] });
    });
  });

  describe('When cancelled', () => {
    it('should cancel a created shipment', () => {
      given([shipmentCreated()]).when(cancelShipment()).then([shipmentCancelled()]);
    });

    it('should change nothing when there is no shipment', () => {
      given([]).when(cancelShipment()).thenNothingHappens();
    });

    it('should change nothing when the shipment was rejected', () => {
      given([shipmentRejected()]).when(cancelShipment()).thenNothingHappens();
    });

    it('should change nothing when the shipment is already cancelled', () => {
      given([shipmentCreated(), shipmentCancelled()]).when(cancelShipment('Again')).thenNothingHappens();
    });

    it('should reject an empty reason', () => {
      given([shipmentCreated()]).when(cancelShipment('')).thenThrows('VALIDATION', { path: ['reason'] });
    });
  });

  describe('When its events are replayed', () => {
    it('should keep the shipment and why it was cancelled', () => {
      expect([shipmentCreated(), shipmentCancelled()].reduce(evolve, initialState())).toEqual({
        status: 'cancelled',
        shipmentId: 'shp-1',
        orderId,
        carrier: 'DHL',
        trackingNumber: 'JD0146000001',
        country: 'DE',
        createdAt: now,
        cancellationReason: 'Order cancelled',
        cancelledAt: now,
      });
    });
  });

  describe('When its stream is named', () => {
    it('should use one stream per order', () => {
      expect(shipmentStreamId(orderId)).toBe('shipment-ord-1001');
      expect(orderIdFromShipmentStreamId('shipment-ord-1001')).toBe(orderId);
      expect(orderIdFromShipmentStreamId('payment-ord-1001')).toBeNull();
    });
  });
});
