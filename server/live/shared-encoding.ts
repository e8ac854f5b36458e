import type { Encoder } from '@trpc/server/adapters/ws';

/**
 * Encode once, send to many. tRPC's WebSocket handler turns every message it sends into a string
 * with an encoder; the default is JSON.stringify of the whole response, per subscriber. A live
 * message is the same object for every subscriber of the process, so `liveEncoder` keeps the JSON
 * of the objects marked with `shareEncoding` (weakly, encoded on first use) and wraps it in each
 * subscriber's small envelope. The result is the same JSON text JSON.stringify would give, so
 * clients keep tRPC's default JSON decoding. Anything else is encoded as before.
 */
const encoded = new WeakMap<object, string | null>();

/** Marks `value` as sent as is to many subscribers: its JSON is computed once. Do not mutate it afterwards. */
export const shareEncoding = <T extends object>(value: T): T => {
  encoded.set(value, null);
  return value;
};

const jsonOf = (value: object): string => {
  let json = encoded.get(value);
  if (json == null) {
    json = JSON.stringify(value);
    encoded.set(value, json);
  }
  return json;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const MARK = '\u0000orderflow-shared\u0000';
const MARK_JSON = JSON.stringify(MARK);

/**
 * The payload of a tRPC data message is `result.data`, or `result.data.data` for a tracked one.
 * The envelope is rebuilt with the payload as its very last value (replaced by a marker), so the
 * marker's last occurrence in the envelope's JSON is where the payload's JSON goes, whatever the
 * client-chosen ids contain.
 */
const encodeShared = (message: Record<string, unknown>): string | undefined => {
  const { result, ...rest } = message;
  if (!isObject(result) || result.type !== 'data' || !isObject(result.data)) return undefined;
  const { data, ...resultRest } = result;
  let envelope: unknown;
  let payload: object;
  if (encoded.has(data)) {
    payload = data;
    envelope = { ...rest, result: { ...resultRest, data: MARK } };
  } else {
    const { data: inner, ...trackedRest } = data;
    if (!isObject(inner) || !encoded.has(inner)) return undefined;
    payload = inner;
    envelope = { ...rest, result: { ...resultRest, data: { ...trackedRest, data: MARK } } };
  }
  const head = JSON.stringify(envelope);
  const at = head.lastIndexOf(MARK_JSON);
  return head.slice(0, at) + jsonOf(payload) + head.slice(at + MARK_JSON.length);
};

/** A tRPC WebSocket encoder (`experimental_encoder`): JSON text frames, shared payloads encoded once. */
export const liveEncoder: Encoder = {
  encode: (message: unknown): string => (isObject(message) && encodeShared(message)) || JSON.stringify(message),
  decode: (data: string | ArrayBuffer | Uint8Array): unknown => {
    if (typeof data !== 'string') throw new Error('Binary WebSocket messages are not supported: send JSON text frames.');
    return JSON.parse(data);
  },
};
