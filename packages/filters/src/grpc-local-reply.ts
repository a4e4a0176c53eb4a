import { Buffer } from 'node:buffer';
import type { HeaderMap } from './http-filter.js';

/** True for gRPC requests (Envoy's `isGrpcRequestHeaders`): `content-type: application/grpc[+proto|;…]`. */
export function isGrpcRequest(headers: HeaderMap): boolean {
  const type = headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/grpc')) return false;
  const next = type.charCodeAt('application/grpc'.length);
  // Exactly the type, or followed by `+` or `;` — not `application/grpc-web`.
  return Number.isNaN(next) || next === 43 /* + */ || next === 59 /* ; */;
}

/**
 * The gRPC status a client should see for an HTTP status a proxy produced, as Envoy maps its local
 * replies (which follows gRPC's http-grpc-status-mapping.md). A route timeout (504) is therefore
 * UNAVAILABLE, not DEADLINE_EXCEEDED.
 */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400: return 13; // INTERNAL
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}

/** `grpc-message` is percent-encoded outside printable ASCII (and `%` itself). */
function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A local reply to a gRPC request as Envoy sends it: HTTP 200, a trailers-only response carrying
 * `grpc-status` and the reply body as `grpc-message`, and no body (gRPC clients read no text).
 */
export function grpcLocalReplyHeaders(status: number, body: string, extra: HeaderMap | undefined, grpcStatus = grpcStatusForHttp(status)): HeaderMap {
  const headers: HeaderMap = { ...extra, ':status': '200', 'content-type': 'application/grpc', 'grpc-status': String(grpcStatus) };
  if (body !== '') headers['grpc-message'] = encodeGrpcMessage(body);
  return headers;
}
