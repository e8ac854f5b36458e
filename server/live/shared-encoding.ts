import type { Encoder } from '@trpc/server/adapters/ws';

/**
 * Encode once, send to many. tRPC's WebSocket handler turns every message it sends into a string
 * with an encoder; the default is JSON.stringify of the whole response, per subscriber. A live
 * message is the same object for every subscriber of the process, so `liveEncoder` keeps the JSON
 * of the objects marked with `shareEncoding` (on the object itself, encoded on first use) and wraps it in each
 * subscriber's small envelope. The result is the same JSON text JSON.stringify would give, so
 * clients keep tRPC's default JSON decoding. Anything else is encoded as before.
 */
/**
 * What a shared payload carries for its encoding: its JSON once encoded, and its frames by
 * template (see trackedFrame). It lives on the payload under a symbol, not enumerable, which
 * JSON.stringify, spreads and equality checks ignore, so it goes when the payload goes.
 */
type SharedState = { json: string | undefined; frames: Map<FrameTemplate, TrackedFrame> | undefined };
const SHARED = Symbol('orderflow.shared-encoding');
const sharedStateOf = (value: object): SharedState | undefined => (value as { [SHARED]?: SharedState })[SHARED];

/** Marks `value` as sent as is to many subscribers: its JSON is computed once. Do not mutate it afterwards. */
export const shareEncoding = <T extends object>(value: T): T => {
  if (!sharedStateOf(value)) Object.defineProperty(value, SHARED, { value: { json: undefined, frames: undefined } satisfies SharedState });
  return value;
};

const isShared = (value: object): boolean => sharedStateOf(value) !== undefined;

/** The JSON of a payload marked with shareEncoding, encoded on first use. */
const jsonOf = (value: object): string => {
  const state = sharedStateOf(value)!;
  return (state.json ??= JSON.stringify(value));
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const MARK = '\u0000orderflow-shared\u0000';
const MARK_JSON = JSON.stringify(MARK);

/** What tRPC puts around one subscription's messages: its request `id` (and `jsonrpc`), as the client sent them. */
export type Envelope = Record<string, unknown>;

type Attachment = { payload: object; attach: (envelope: Envelope) => void };
const attachments = new WeakMap<object, Attachment>();

/**
 * A payload to yield once from a subscription: sent as `payload`, and while tRPC encodes it,
 * `attach` learns the subscription's envelope, so later messages can be written to the socket
 * directly in the very same format (`trackedFrame`). With another encoder it is plain `payload`.
 */
export const attachable = <T extends object>(payload: T, attach: (envelope: Envelope) => void): T => {
  const wrapper = { toJSON: () => payload };
  attachments.set(wrapper, { payload, attach });
  // Typed as the payload: on the wire (any encoder) it is exactly the payload.
  return wrapper as unknown as T;
};

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
  if (isShared(data) || attachments.has(data)) {
    payload = data;
    envelope = { ...rest, result: { ...resultRest, data: MARK } };
  } else {
    const { data: inner, ...trackedRest } = data;
    if (!isObject(inner) || !(isShared(inner) || attachments.has(inner))) return undefined;
    payload = inner;
    envelope = { ...rest, result: { ...resultRest, data: { ...trackedRest, data: MARK } } };
  }
  const attachment = attachments.get(payload);
  if (attachment) {
    attachment.attach(rest);
    payload = attachment.payload;
  }
  const head = JSON.stringify(envelope);
  const at = head.lastIndexOf(MARK_JSON);
  const json = isShared(payload) ? jsonOf(payload) : JSON.stringify(payload);
  return head.slice(0, at) + json + head.slice(at + MARK_JSON.length);
};

const ID = '\u0001';
const ID_JSON = JSON.stringify(ID);

/**
 * One subscription message as UTF-8 text, and its WebSocket frame once a direct send built it
 * (see direct-send). Cached, with the frame, for shared payloads only: a per-order payload's is
 * built for one socket and dropped.
 */
/** `shared`: the same object goes to every socket of the envelope (its ws frame is worth keeping). */
export type TrackedFrame = { readonly text: Buffer; readonly shared: boolean; wsFrame?: Buffer };

/**
 * A subscription's envelope as JSON cut where the tracked id (twice) and the payload go: 4 parts.
 * A subscriber takes it once (`frameTemplate`) and builds every message of its life from it.
 */
export type FrameTemplate = readonly [string, string, string, string];

/**
 * One template object per distinct envelope JSON (most clients use the same request id), so
 * frames are found by the template's identity. Bounded: ids are the client's choice; after a
 * clear an envelope seen before gets a new object, whose frames are built anew.
 */
const templates = new Map<string, FrameTemplate>();
const MAX_TEMPLATES = 1000;

export const frameTemplate = (envelope: Envelope): FrameTemplate => {
  const json = JSON.stringify({ ...envelope, result: { type: 'data', id: ID, data: { id: ID, data: MARK } } });
  let parts = templates.get(json);
  if (!parts) {
    const payloadAt = json.lastIndexOf(MARK_JSON);
    const secondId = json.lastIndexOf(ID_JSON, payloadAt);
    const firstId = json.lastIndexOf(ID_JSON, secondId - 1);
    parts = [json.slice(0, firstId), json.slice(firstId + ID_JSON.length, secondId), json.slice(secondId + ID_JSON.length, payloadAt), json.slice(payloadAt + MARK_JSON.length)];
    if (templates.size >= MAX_TEMPLATES) templates.clear();
    templates.set(json, parts);
  }
  return parts;
};

/**
 * The last shared frame built or found. A fan-out asks for the same payload with (nearly always)
 * the same template a thousand times in a row: this answers those with two identity checks
 * instead of two map lookups.
 */
let recent: { payload: object; template: FrameTemplate; frame: TrackedFrame } | undefined;

/**
 * The UTF-8 text frame tRPC would send for `tracked(String(payload.position), payload)` in the
 * subscription whose `template` it is, byte for byte. A shared payload's frame is built once per
 * distinct envelope (most clients use the same request id) and the same one goes to every socket.
 */
export const trackedFrame = (template: FrameTemplate, payload: { readonly position: number }): TrackedFrame => {
  if (recent !== undefined && recent.payload === payload && recent.template === template) return recent.frame;
  const state = sharedStateOf(payload);
  const shared = state !== undefined;
  if (shared) {
    const cached = state.frames?.get(template);
    if (cached) {
      recent = { payload, template, frame: cached };
      return cached;
    }
  }
  const id = JSON.stringify(String(payload.position));
  const frame: TrackedFrame = {
    shared,
    text: Buffer.from(template[0] + id + template[1] + id + template[2] + (shared ? jsonOf(payload) : JSON.stringify(payload)) + template[3]),
  };
  if (shared) {
    (state.frames ??= new Map()).set(template, frame);
    recent = { payload, template, frame };
  }
  return frame;
};

/** A tRPC WebSocket encoder (`experimental_encoder`): JSON text frames, shared payloads encoded once. */
export const liveEncoder: Encoder = {
  encode: (message: unknown): string => (isObject(message) && encodeShared(message)) || JSON.stringify(message),
  decode: (data: string | ArrayBuffer | Uint8Array): unknown => {
    if (typeof data !== 'string') throw new Error('Binary WebSocket messages are not supported: send JSON text frames.');
    return JSON.parse(data);
  },
};
