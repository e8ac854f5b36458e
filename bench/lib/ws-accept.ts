import { createHash } from 'node:crypto';

/** The upgrade's accept key (RFC 6455): the lean client checks it, the fan-out floor server sends it. */
export const wsAccept = (key: string): string =>
  createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
