import { createSecureContext, DEFAULT_CIPHERS } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import type { FieldReader } from './fields.js';
import { enumValue } from './cluster-values.js';

/** What `common_tls_context.tls_params` sets on node's TLS options. */
export interface TlsParams {
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  ecdhCurve?: string;
}

const VERSIONS: Readonly<Record<string, SecureVersion | undefined>> = {
  TLS_AUTO: undefined,
  TLSv1_0: 'TLSv1',
  TLSv1_1: 'TLSv1.1',
  TLSv1_2: 'TLSv1.2',
  TLSv1_3: 'TLSv1.3',
};

/** node's TLS 1.3 suites: Envoy's `cipher_suites` govern TLS 1.2 and below only, so these stay. */
const TLS13_SUITES = DEFAULT_CIPHERS.split(':').filter((name) => name.startsWith('TLS_'));

/**
 * Envoy's `tls_params`: protocol version bounds, TLS 1.2 cipher suites and ECDH curves. TLS_AUTO
 * leaves node's defaults (TLS 1.2 to 1.3). BoringSSL's equal-preference groups (`[A|B]`) have no
 * OpenSSL form and are refused, as are the fields not listed.
 */
export function readTlsParams(params: FieldReader): TlsParams {
  params.allowOnly('tls_minimum_protocol_version', 'tls_maximum_protocol_version', 'cipher_suites', 'ecdh_curves');
  const out: TlsParams = {};
  const names = Object.keys(VERSIONS);
  const min = VERSIONS[enumValue(params, 'tls_minimum_protocol_version', names, 'TLS_AUTO')];
  const max = VERSIONS[enumValue(params, 'tls_maximum_protocol_version', names, 'TLS_AUTO')];
  if (min !== undefined) out.minVersion = min;
  if (max !== undefined) out.maxVersion = max;
  // The names order as the versions do ('TLSv1' < 'TLSv1.1' < … < 'TLSv1.3').
  if (min !== undefined && max !== undefined && min > max) params.fail('tls_maximum_protocol_version', `is below tls_minimum_protocol_version`);
  const suites = params.strings('cipher_suites');
  const grouped = suites.findIndex((suite) => suite.includes('[') || suite.includes('|'));
  if (grouped !== -1) params.fail(`cipher_suites[${grouped}]`, 'equal-preference groups ([A|B]) are BoringSSL syntax; list the suites one by one');
  if (suites.length > 0) out.ciphers = opensslChecked(params, 'cipher_suites', { ciphers: [...suites, ...TLS13_SUITES].join(':') }).ciphers;
  const curves = params.strings('ecdh_curves');
  if (curves.length > 0) out.ecdhCurve = opensslChecked(params, 'ecdh_curves', { ecdhCurve: curves.join(':') }).ecdhCurve;
  return out;
}

/** `options` as given, once OpenSSL has accepted them (a name it does not know fails the update now, not every handshake). */
function opensslChecked<T extends { ciphers?: string; ecdhCurve?: string }>(params: FieldReader, field: string, options: T): T {
  try {
    createSecureContext(options);
  } catch (error) {
    params.fail(field, `OpenSSL refuses them: ${(error as Error).message}`);
  }
  return options;
}
