import type { Command } from '../shared/messages';

export type CreateShipment = Command<
  'CreateShipment',
  {
    readonly shipmentId: string;
    readonly orderId: string;
    readonly country: string;
    readonly trackingNumber: string;
    readonly carrier: string;
    /** ISO 3166 alpha-2 codes the carrier serves, looked up by the handler. */
    readonly supportedCountries: readonly string[];
    readonly now: string;
  }
>;

export type CancelShipment = Command<
  'CancelShipment',
  { readonly orderId: string; readonly reason: string; readonly now: string }
>;

export type ShipmentCommand = CreateShipment | CancelShipment;

export type ShipmentCommandType = ShipmentCommand['type'];
