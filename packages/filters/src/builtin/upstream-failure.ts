import { ResponseFlag } from '../response-flags.js';

export interface UpstreamFailure {
  readonly status: number;
  readonly flag: ResponseFlag;
  readonly body: string;
  readonly details: string;
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
]);

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return (error as { code?: string }).code ?? '';
}

function isTlsFailure(error: Error, code: string): boolean {
  return code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|SPIFFE/i.test(error.message);
}

/** Maps an upstream error to Envoy's local reply: status, response flag and body text. */
export const upstreamFailure = {
  timeout: {
    status: 504,
    flag: ResponseFlag.UpstreamRequestTimeout,
    body: 'upstream request timeout',
    details: 'upstream_response_timeout',
  } satisfies UpstreamFailure,

  classify(error: Error, responseStarted: boolean): UpstreamFailure {
    const code = errorCode(error);
    if (!responseStarted && (CONNECT_FAILURE_CODES.has(code) || isTlsFailure(error, code))) {
      const reason = isTlsFailure(error, code) ? 'connection failure, transport failure reason: TLS error' : 'connection failure';
      return {
        status: 503,
        flag: ResponseFlag.UpstreamConnectionFailure,
        body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
        details: 'upstream_reset_before_response_started{connection_failure}',
      };
    }
    return {
      status: 503,
      flag: ResponseFlag.UpstreamConnectionTermination,
      body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
      details: 'upstream_reset_before_response_started{connection_termination}',
    };
  },
};
