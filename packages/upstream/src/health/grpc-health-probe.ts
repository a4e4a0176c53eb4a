import { Buffer } from 'node:buffer';
import { connect, constants } from 'node:http2';
import { formatHost } from '../endpoint.js';
import type { HealthProbe, ProbeTransport } from './health-probe.js';

export interface GrpcHealthCheck {
  /** `HealthCheckRequest.service`; empty asks about the server as a whole. */
  readonly serviceName?: string;
  /** `:authority` of the check. Default address:port. */
  readonly authority?: string;
}

/** `grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING`. */
const SERVING = 1;

/**
 * `grpc.health.v1.Health/Check` over HTTP/2 (h2c, or h2 with ALPN for a TLS cluster), with the
 * two one-field messages framed by hand: healthy only for grpc-status 0 and status SERVING.
 */
export function grpcHealthProbe(check: GrpcHealthCheck, transport: ProbeTransport): HealthProbe {
  const body = frameMessage(encodeHealthCheckRequest(check.serviceName ?? ''));
  return (endpoint, signal) =>
    new Promise<boolean>((resolve, reject) => {
      const scheme = transport.tls === undefined ? 'http' : 'https';
      const authority = `${formatHost(endpoint.address)}:${endpoint.port}`;
      const session = connect(`${scheme}://${authority}`, { ...transport.tls, ALPNProtocols: ['h2'] });
      const fail = (error: unknown): void => {
        session.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      const onAbort = (): void => fail(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      session.on('error', fail);
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
        [constants.HTTP2_HEADER_AUTHORITY]: check.authority ?? authority,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const chunks: Buffer[] = [];
      let grpcStatus: string | undefined;
      stream.on('response', (headers) => {
        // A trailers-only response carries grpc-status in the headers.
        if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      });
      stream.on('trailers', (trailers: Record<string, string | string[] | undefined>) => {
        grpcStatus = String(trailers['grpc-status']);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', fail);
      stream.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        session.close();
        const status = grpcStatus === '0' ? decodeServingStatus(Buffer.concat(chunks)) : -1;
        resolve(status === SERVING);
      });
      stream.end(body);
    });
}

/** Field 1 (string `service`), wire type 2. Empty service encodes as an empty message. */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (service.length === 0) return Buffer.alloc(0);
  const text = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(text.length), text]);
}

/** gRPC length-prefixed message: 1 byte "compressed" flag, 4 bytes big-endian length. */
export function frameMessage(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** Reads field 1 (varint `status`) of the first framed HealthCheckResponse; 0 (UNKNOWN) when absent, -1 when malformed. */
export function decodeServingStatus(framed: Buffer): number {
  if (framed.length < 5) return -1;
  const length = framed.readUInt32BE(1);
  const message = framed.subarray(5, 5 + length);
  let offset = 0;
  while (offset < message.length) {
    const tag = message[offset++] ?? 0;
    const wireType = tag & 7;
    if (wireType === 0) {
      let value = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = message[offset++] ?? 0;
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80 && offset < message.length);
      if (tag >> 3 === 1) return value;
    } else if (wireType === 2) {
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = message[offset++] ?? 0;
        length += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80 && offset < message.length);
      offset += length;
    } else {
      return -1;
    }
  }
  return 0;
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
