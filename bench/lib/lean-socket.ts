import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { wsAccept } from './ws-accept';

type Handlers = {
  open?: () => void;
  /** `payload` may be a view of the shared read buffer: copy what you keep past the call. */
  message?: (payload: Buffer, isBinary: boolean) => void;
  close?: (code: number) => void;
  error?: (error: Error) => void;
};

/**
 * Every socket reads into this one buffer (net's `onread`): no Buffer and no stream event per
 * read. The bench runs on one thread and each read is handled before the next, so anything kept
 * past a read (a partial frame, fragments, the handshake) is copied out of it first.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * The live bench's subscriber client: a real WebSocket over a real TCP socket (the HTTP upgrade
 * with its accept key checked, RFC 6455 frames parsed, masked client frames, pings answered, the
 * close handshake), without `ws`'s stream machinery per message, so that 1,000 of them cost the
 * machine the server shares as little as a client can. Speaks the part of `ws`'s API the bench uses.
 */
export class LeanSocket {
  private readonly handlers: Handlers = {};
  private readonly key = randomBytes(16).toString('base64');
  private readonly socket: Socket;
  private readyState = CONNECTING;
  private pending: Buffer | null = null;
  private fragments: Buffer[] | null = null;
  private fragmentsOpcode = 0;
  private closeCode = 1006;

  constructor(url: string) {
    const u = new URL(url);
    const onread = {
      buffer: READ_BUFFER,
      callback: (read: number, buffer: Uint8Array) => {
        this.onChunk(Buffer.from(buffer.buffer, buffer.byteOffset, read));
        return true;
      },
    };
    this.socket = connect({ port: Number(u.port), host: u.hostname, onread }, () => {
      this.socket.setNoDelay(true);
      this.socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', (error) => this.handlers.error?.(error));
    this.socket.on('close', () => {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.handlers.close?.(this.closeCode);
    });
  }

  on<K extends keyof Handlers>(name: K, handler: NonNullable<Handlers[K]>): this {
    this.handlers[name] = handler;
    return this;
  }

  send(text: string): void {
    if (this.readyState === OPEN) this.writeFrame(0x1, Buffer.from(text));
  }

  terminate(): void {
    this.readyState = CLOSED;
    this.socket.destroy();
  }

  private fail(message: string): void {
    this.handlers.error?.(new Error(message));
    this.socket.destroy();
  }

  /** `chunk` is a view of the shared read buffer: valid only until this returns. */
  private onChunk(chunk: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (this.readyState === CONNECTING) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        this.pending = Buffer.from(data);
        return;
      }
      const head = data.toString('latin1', 0, end).toLowerCase();
      const accept = wsAccept(this.key).toLowerCase();
      if (!head.startsWith('http/1.1 101') || !head.includes(`\r\nsec-websocket-accept: ${accept}`)) {
        return this.fail(`upgrade refused: ${head.split('\r\n')[0]}`);
      }
      this.readyState = OPEN;
      this.handlers.open?.();
      data = data.subarray(end + 4);
    }
    let at = 0;
    while (data.length - at >= 2) {
      const b0 = data[at]!;
      const b1 = data[at + 1]!;
      if (b1 & 0x80) return this.fail('a server frame must not be masked');
      if (b0 & 0x70) return this.fail('no extension was negotiated (RSV bits set)');
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - at < 4) break;
        length = data.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - at < 10) break;
        length = Number(data.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (data.length - at < header + length) break;
      const payload = data.subarray(at + header, at + header + length);
      at += header + length;
      this.onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
      if (this.readyState !== OPEN) return;
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x8) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.writeFrame(0x8, payload.subarray(0, Math.min(2, payload.length)));
      this.readyState = CLOSING;
      this.socket.end();
      return;
    }
    if (opcode === 0x9) return this.writeFrame(0xa, payload);
    if (opcode === 0xa) return;
    if (opcode === 0x0) {
      if (!this.fragments) return this.fail('a continuation frame without a start');
      this.fragments.push(Buffer.from(payload));
      if (!fin) return;
      payload = Buffer.concat(this.fragments);
      opcode = this.fragmentsOpcode;
      this.fragments = null;
    } else if (!fin) {
      this.fragments = [Buffer.from(payload)];
      this.fragmentsOpcode = opcode;
      return;
    }
    if (opcode !== 0x1 && opcode !== 0x2) return this.fail(`unknown opcode ${opcode}`);
    this.handlers.message?.(payload, opcode === 0x2);
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    const length = payload.length;
    const header = length < 126 ? 6 : length < 65536 ? 8 : 14;
    const frame = Buffer.allocUnsafe(header + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    mask.copy(frame, header - 4);
    for (let i = 0; i < length; i++) frame[header + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }
}
