import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { handleCommand } from '../command-handler';
import { shipmentDecider } from '../shipping/decider';
import { shipmentStreamId } from '../shipping/stream';
import { injectFaults } from './faults';
import { commandOptions, type ParticipantCall, type ParticipantDeps } from './participant-call';

export const carrierName = 'Orderflow Express';

/** Countries the simulated carrier does not serve; XX is a test code that is never served. */
export const unsupportedCountries: readonly string[] = ['CU', 'IR', 'KP', 'SY', 'XX'];

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Every two-letter code but the unsupported ones. */
export const supportedCountries: readonly string[] = [...letters]
  .flatMap((first) => [...letters].map((second) => `${first}${second}`))
  .filter((code) => !unsupportedCountries.includes(code));

export const carrierServes = (country: string): boolean => supportedCountries.includes(country);

export const newTrackingNumber = (): string => `OX${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}GB`;

export type CreateShipmentResult =
  | { readonly kind: 'created'; readonly shipmentId: string; readonly carrier: string; readonly trackingNumber: string }
  | { readonly kind: 'rejected'; readonly reason: string };

/** The carrier: books a parcel (with a tracking number) unless it cannot ship to the country. */
export const createShippingCarrier = (deps: ParticipantDeps) => ({
  createShipment: async (call: ParticipantCall, country: string): Promise<CreateShipmentResult> => {
    await injectFaults(deps.sql, 'shipping', deps.random, call.signal);
    call.signal.throwIfAborted();
    const options = commandOptions(call, 'create');
    const result = await handleCommand(deps.store, {
      streamId: shipmentStreamId(call.orderId),
      decider: shipmentDecider,
      // The first attempt's stream is new: no read. A retry finds it written and reads it then.
      streamIsNew: true,
      command: {
        type: 'CreateShipment',
        data: {
          shipmentId: `shp_${uuidv7()}`,
          orderId: call.orderId,
          country,
          trackingNumber: newTrackingNumber(),
          carrier: carrierName,
          supportedCountries,
          now: options.now,
        },
      },
      ...options,
    });
    const state = result.state;
    if (state.status === 'created') {
      return { kind: 'created', shipmentId: state.shipmentId, carrier: state.carrier, trackingNumber: state.trackingNumber };
    }
    if (state.status === 'rejected') return { kind: 'rejected', reason: state.reason };
    throw new Error(`The shipment of order ${call.orderId} is ${state.status}`);
  },

  cancelShipment: async (call: ParticipantCall, reason: string): Promise<{ cancelled: boolean }> => {
    await injectFaults(deps.sql, 'shipping', deps.random, call.signal);
    call.signal.throwIfAborted();
    const options = commandOptions(call, 'cancel');
    const result = await handleCommand(deps.store, {
      streamId: shipmentStreamId(call.orderId),
      decider: shipmentDecider,
      command: { type: 'CancelShipment', data: { orderId: call.orderId, reason, now: options.now } },
      ...options,
    });
    return { cancelled: result.state.status === 'cancelled' };
  },
});

export type ShippingCarrier = ReturnType<typeof createShippingCarrier>;
