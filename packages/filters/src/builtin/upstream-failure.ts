import type { UpstreamResetReason } from '@meshkit/resilience';
import type { HeaderMap } from '../http-filter.js';
import { ResponseFlag } from '../response-flags.js';

export interface UpstreamFailure {
  readonly status: number;
  readonly flag: ResponseFlag;
  readonly body: string;
  readonly details: string;
  /** What retry conditions see: how the attempt ended. */
  readonly resetReason: UpstreamResetReason;
  /** Extra headers on the local reply (Envoy's `x-envoy-overloaded` on an overflow). */
  readonly headers?: HeaderMap;
}

const CONNECT_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  // A LOGICAL_DNS cluster whose name has not resolved: nothing could be dialled.
  'MESHKIT_UPSTREAM_DNS_NOT_RESOLVED',
]);

/**
 * Envoy's local reply for an upstream request that ended before a response started: the reset
 * reason in the body (`reason`) and in the response code details (`detail`).
 */
function resetReply(status: number, flag: ResponseFlag, reason: string, detail: string, resetReason: UpstreamResetReason, headers?: HeaderMap): UpstreamFailure {
  return {
    status,
    flag,
    body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
    details: `upstream_reset_before_response_started{${detail}}`,
    resetReason,
    ...(headers === undefined ? {} : { headers }),
  };
}

/** `UpstreamOverflowError` from @meshkit/upstream: a circuit breaker refused the request. */
const OVERFLOW_CODE = 'MESHKIT_UPSTREAM_OVERFLOW';

/** Envoy's reply when the pool refuses a request at a circuit-breaker limit (reset reason `overflow`). */
const OVERFLOW = resetReply(503, ResponseFlag.UpstreamOverflow, 'overflow', 'overflow', 'overflow', Object.freeze({ 'x-envoy-overloaded': 'true' }));

/** The innermost error that names what went wrong (undici wraps socket errors). */
function rootError(error: Error): { code: string; errno: number | undefined } {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, errno } = current as { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return { code, errno: typeof errno === 'number' ? errno : undefined };
    current = (current as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : '', errno: undefined };
}

function isTlsFailure(error: Error, code: string): boolean {
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|SPIFFE/i.test(error.message);
}

/** Envoy's reset reason and transport failure reason for a failed connect, as in its 503 body. */
function connectFailure(error: Error, code: string, errno: number | undefined): UpstreamFailure {
  let reason: string;
  let detail: string;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    reason = 'connection timeout';
    detail = 'connection_timeout';
  } else if (isTlsFailure(error, code)) {
    reason = `remote connection failure, transport failure reason: TLS error: ${code === '' ? error.message : code}`;
    detail = 'remote_connection_failure,TLS_error';
  } else if (errno !== undefined) {
    // Envoy reports the connect(2) errno, e.g. 111 for a refused connection on Linux.
    reason = `remote connection failure, transport failure reason: delayed connect error: ${Math.abs(errno)}`;
    detail = `remote_connection_failure,delayed_connect_error:_${Math.abs(errno)}`;
  } else {
    reason = 'remote connection failure';
    detail = 'remote_connection_failure';
  }
  return resetReply(503, ResponseFlag.UpstreamConnectionFailure, reason, detail, 'connect-failure');
}

const PROTOCOL_ERROR = resetReply(502, ResponseFlag.UpstreamProtocolError, 'protocol error', 'protocol_error', 'reset');

/** The codes of @meshkit/upstream's errors for an HTTP/2 stream the upstream ended. */
const PROTOCOL_ERROR_CODES = new Set(['MESHKIT_HTTP1_PARSE', 'MESHKIT_UPSTREAM_HTTP2_PROTOCOL_ERROR']);
const REMOTE_RESET_CODE = 'MESHKIT_UPSTREAM_REMOTE_RESET';
const REFUSED_STREAM_CODE = 'MESHKIT_UPSTREAM_REFUSED_STREAM';

/** Envoy's `UR`: the upstream reset the stream (RST_STREAM) while its connection lived on. */
const REMOTE_RESET = resetReply(503, ResponseFlag.UpstreamRemoteReset, 'remote reset', 'remote_reset', 'reset');

/** `UR` too, for a stream the upstream refused (never processed): retriable under `refused-stream`. */
const REFUSED_STREAM = resetReply(503, ResponseFlag.UpstreamRemoteReset, 'remote refused stream reset', 'remote_refused_stream_reset', 'refused-stream');

const CONNECTION_TERMINATION = resetReply(503, ResponseFlag.UpstreamConnectionTermination, 'connection termination', 'connection_termination', 'reset');

/**
 * Maps an upstream error to Envoy's local reply: status, response flag and body text. Once the
 * response has started only the flag matters (the downstream stream is reset).
 */
export const upstreamFailure = {
  timeout: {
    status: 504,
    flag: ResponseFlag.UpstreamRequestTimeout,
    body: 'upstream request timeout',
    details: 'upstream_response_timeout',
    resetReason: 'timeout',
  } satisfies UpstreamFailure,

  classify(error: Error, responseStarted: boolean): UpstreamFailure {
    const { code, errno } = rootError(error);
    // The breaker trips before the request reaches a connection, so no response can have started.
    if (code === OVERFLOW_CODE) return OVERFLOW;
    if (!responseStarted && (CONNECT_FAILURE_CODES.has(code) || isTlsFailure(error, code))) return connectFailure(error, code, errno);
    // The upstream answered with something that is not HTTP: Envoy's 502 UPE.
    if (PROTOCOL_ERROR_CODES.has(code)) return PROTOCOL_ERROR;
    if (code === REMOTE_RESET_CODE) return REMOTE_RESET;
    if (code === REFUSED_STREAM_CODE) return REFUSED_STREAM;
    return CONNECTION_TERMINATION;
  },
};
