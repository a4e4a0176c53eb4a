import { Buffer } from 'node:buffer';
/**
 * A TLS ClientHello reader for the tls_inspector: enough of RFC 8446 §4.1.2 (and RFC 5246's
 * record layer) to find the SNI host name (RFC 6066 §3) and the ALPN list (RFC 7301), and no more.
 */

const RECORD_HEADER = 5;
const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const EXT_ALPN = 0x0010;
/** Envoy gives up on a ClientHello larger than this; so do we (it is then not TLS we can read). */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

export type ClientHelloResult =
  | { readonly kind: 'tls'; readonly serverName: string; readonly alpn: readonly string[] }
  /** The bytes so far are the start of a ClientHello; read more. */
  | { readonly kind: 'incomplete' }
  /** Not a TLS ClientHello (plaintext, or malformed): the connection's transport is raw_buffer. */
  | { readonly kind: 'not-tls' };

const INCOMPLETE: ClientHelloResult = { kind: 'incomplete' };
const NOT_TLS: ClientHelloResult = { kind: 'not-tls' };

/** Thrown inside the parser only, for a length that points outside its vector. */
class Malformed extends Error {}

/** A bounds-checked cursor over one vector of the ClientHello. */
class Cursor {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos + 1 > this.end) throw new Malformed();
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new Malformed();
    this.pos += n;
  }

  /** A sub-vector of `n` bytes; this cursor moves past it. */
  sub(n: number): Cursor {
    if (this.pos + n > this.end) throw new Malformed();
    const inner = new Cursor(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return inner;
  }

  text(n: number): string {
    if (this.pos + n > this.end) throw new Malformed();
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/**
 * The handshake bytes carried by the leading handshake records, joined. A ClientHello may span
 * several records; `null` means the bytes are not TLS records at all.
 */
function handshakeBytes(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos + RECORD_HEADER <= data.length) {
    // Record versions are 0x0301..0x0304 in practice; SSLv2-style hellos are refused as Envoy does.
    if (data[pos] !== CONTENT_HANDSHAKE || data[pos + 1] !== 0x03) return parts.length === 0 ? null : Buffer.concat(parts);
    const length = data.readUInt16BE(pos + 3);
    const body = data.subarray(pos + RECORD_HEADER, Math.min(data.length, pos + RECORD_HEADER + length));
    parts.push(body);
    if (body.length < length) break;
    pos += RECORD_HEADER + length;
  }
  return Buffer.concat(parts);
}

function readServerName(ext: Cursor): string {
  const list = ext.sub(ext.u16());
  while (list.remaining > 0) {
    const type = list.u8();
    const name = list.text(list.u16());
    if (type === 0) return name.toLowerCase();
  }
  return '';
}

function readAlpn(ext: Cursor): string[] {
  const list = ext.sub(ext.u16());
  const protocols: string[] = [];
  while (list.remaining > 0) protocols.push(list.text(list.u8()));
  return protocols;
}

/** Reads the ClientHello at the start of `data` (the first bytes a client sent). */
export function parseClientHello(data: Buffer): ClientHelloResult {
  if (data.length === 0) return INCOMPLETE;
  if (data[0] !== CONTENT_HANDSHAKE) return NOT_TLS;
  if (data.length < RECORD_HEADER) return data.length < 2 || data[1] === 0x03 ? INCOMPLETE : NOT_TLS;
  const handshake = handshakeBytes(data);
  if (handshake === null) return NOT_TLS;
  if (handshake.length < 4) return data.length >= MAX_CLIENT_HELLO_BYTES ? NOT_TLS : INCOMPLETE;
  if (handshake[0] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
  const length = handshake.readUIntBE(1, 3);
  if (length + 4 > MAX_CLIENT_HELLO_BYTES) return NOT_TLS;
  if (handshake.length < length + 4) return INCOMPLETE;
  try {
    const hello = new Cursor(handshake, 4, 4 + length);
    hello.skip(2 + 32); // legacy_version, random
    hello.skip(hello.u8()); // legacy_session_id
    hello.skip(hello.u16()); // cipher_suites
    hello.skip(hello.u8()); // legacy_compression_methods
    let serverName = '';
    let alpn: string[] = [];
    if (hello.remaining === 0) return { kind: 'tls', serverName, alpn };
    const extensions = hello.sub(hello.u16());
    while (extensions.remaining > 0) {
      const type = extensions.u16();
      const ext = extensions.sub(extensions.u16());
      if (type === EXT_SERVER_NAME) serverName = readServerName(ext);
      else if (type === EXT_ALPN) alpn = readAlpn(ext);
    }
    return { kind: 'tls', serverName, alpn };
  } catch (error) {
    if (error instanceof Malformed) return NOT_TLS;
    throw error;
  }
}
