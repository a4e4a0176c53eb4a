import net from 'node:net';

/**
 * Hand-built HTTP/2 frames for the malformed-input suite and for tests that look at the frames a
 * response is made of. Clients refuse to send most of these, and none shows its frames, so the
 * bytes are written and read here: frame headers (RFC 9113 §4.1) and HPACK literals without
 * Huffman coding or indexing (RFC 7541 §6.2.2), which any decoder must accept.
 */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const END_STREAM = 0x1;
export const END_HEADERS = 0x4;

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fff_ffff, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK integer with an n-bit prefix (RFC 7541 §5.1). */
function hpackInteger(value: number, prefixBits: number, firstByte: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const bytes = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7, 0), bytes]);
}

/** A header block of literal fields, in the order given (which is what malformed blocks need). */
export function headerBlock(fields: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

export const GOOD_REQUEST: readonly (readonly [string, string])[] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':authority', 'shop.test'],
  [':path', '/beta/x'],
];

export interface H2Outcome {
  /** `rst:<code>` for a RST_STREAM, `goaway:<code>` for a GOAWAY, `headers` for a response, `closed`, `nothing`. */
  readonly kind: string;
}

interface ReceivedFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** Splits what `socket` receives into frames and hands each to `onFrame` until it returns true. */
function readFrames(socket: net.Socket, onFrame: (received: ReceivedFrame) => boolean): void {
  let buffered = Buffer.alloc(0);
  let done = false;
  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    buffered = Buffer.concat([buffered, chunk]);
    // Bounded: each pass consumes one whole frame or waits for more bytes.
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3);
      if (buffered.length < 9 + length) return;
      const received = { type: buffered[3] ?? 0, flags: buffered[4] ?? 0, streamId: buffered.readUInt32BE(5) & 0x7fff_ffff, payload: buffered.subarray(9, 9 + length) };
      buffered = buffered.subarray(9 + length);
      done = onFrame(received);
      if (done) return;
    }
  });
}

/**
 * Opens a raw connection, sends the preface, an empty SETTINGS and `bytes`, and reports the first
 * decisive frame the proxy answers with (its own SETTINGS and ACKs are skipped).
 */
export function sendFrames(port: number, bytes: Buffer, options: { preface?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let settled = false;
    const finish = (outcome: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('nothing'), options.waitMs ?? 2_000);
    socket.on('error', () => finish('closed'));
    socket.once('close', () => finish('closed'));
    readFrames(socket, ({ type, payload }) => {
      if (type === FrameType.RST_STREAM) finish(`rst:${payload.readUInt32BE(0)}`);
      else if (type === FrameType.GOAWAY) finish(`goaway:${payload.readUInt32BE(4)}`);
      else if (type === FrameType.HEADERS) finish('headers');
      return settled;
    });
    const start = options.preface === false ? [] : [PREFACE, frame(FrameType.SETTINGS, 0, 0)];
    socket.write(Buffer.concat([...start, bytes]));
  });
}

/**
 * Sends one request on stream 1 of a raw connection and lists the frames of its response, as
 * `HEADERS`, `DATA:<length>` or `TRAILERS`, each followed by `+END` when it ends the stream.
 */
export function responseFrames(port: number, request: Buffer, waitMs = 2_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const frames: string[] = [];
    const timer = setTimeout(() => fail(new Error(`the response did not end; frames so far: ${frames.join(' ')}`)), waitMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    readFrames(socket, ({ type, flags, streamId, payload }) => {
      if (streamId !== 1) return false;
      const kind = type === FrameType.DATA ? `DATA:${payload.length}` : type === FrameType.HEADERS ? (frames.length === 0 ? 'HEADERS' : 'TRAILERS') : `type${type}`;
      const ends = (flags & END_STREAM) !== 0 || type === FrameType.RST_STREAM;
      frames.push(ends ? `${kind}+END` : kind);
      if (ends) {
        clearTimeout(timer);
        socket.destroy();
        resolve(frames);
      }
      return ends;
    });
    socket.write(Buffer.concat([PREFACE, frame(FrameType.SETTINGS, 0, 0), request]));
  });
}
