import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocket } from 'ws';
import type { TrackedFrame } from './shared-encoding';

/**
 * Writes one shared text message to many WebSockets with one socket write each.
 *
 * `ws.send` frames every message anew per socket: a fresh header, then header and payload
 * written as two chunks (cork, write, write, uncork: a `writev`). For a message that goes to a
 * thousand sockets the frame is the same for all (server frames are not masked), so it is built
 * once, with ws's own framing (`Sender.frame`), and written whole to each socket. When ws's
 * sender is not idle (it never is without compression, but should it hold queued frames) the
 * message goes through `ws.send` so it cannot overtake them.
 */

type FrameOptions = { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean };
type SenderClass = { frame: (data: Buffer, options: FrameOptions) => Buffer[] };
/** The parts of a ws WebSocket this relies on (ws 8: lib/websocket.js, lib/sender.js). */
type WsInternals = {
  _socket?: Duplex;
  _sender?: { _state: number; _queue: unknown[]; _firstFragment: boolean };
};

// ws exports its Sender (lib/sender.js); its types do not declare it.
const { Sender } = wsModule as unknown as { Sender: SenderClass };
/** ws's Sender state when it sends at once (no compression or Blob read in progress). */
const SENDER_IDLE = 0;

/** The whole unmasked, final, uncompressed text frame of `payload`. */
export const textFrame = (payload: Buffer): Buffer =>
  Buffer.concat(Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false }));

/**
 * Sends `message` (UTF-8 JSON) as one text message. A shared message is the same object for every
 * socket (trackedFrame's cache): its frame is built once and kept on it. A message for one socket
 * (a per-order subscription) gains nothing from a whole frame and goes through `ws.send`.
 */
export const sendText = (ws: WebSocket, message: TrackedFrame): void => {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  // Any of ws's internals missing or different (another ws version): ws.send, as without this.
  const idle = sender?._state === SENDER_IDLE && Array.isArray(sender._queue) && sender._queue.length === 0 && sender._firstFragment === true;
  if (message.shared && socket && idle && ws.readyState === WebSocket.OPEN) {
    socket.write((message.wsFrame ??= textFrame(message.text)));
  } else {
    ws.send(message.text, { binary: false });
  }
};
