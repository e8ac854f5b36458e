/** How the live bench talks to the fan-out floor server (a module of its own: importing the server runs it). */

/** What it prints, followed by its port, once it takes connections. */
export const FLOOR_SERVER_LISTENING = 'fan-out floor server listening on port';

export type FloorServerMessage =
  | { type: 'orders'; orders: [orderId: string, placedAt: string][] }
  | { type: 'start'; flushMs: number; changeBytes: number };
