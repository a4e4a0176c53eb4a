import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { clientTlsOptions, serverTlsOptions, trustDomainOf } from '@meshkit/identity';
import type { AllowedSpiffeIds, WorkloadIdentity } from '@meshkit/identity';
import type { FieldReader } from './fields.js';
import { readTlsParams } from './tls-params.js';
import type { TlsParams } from './tls-params.js';

const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

/** Istio's SDS secret names: the workload certificate and the mesh root. */
const WORKLOAD_SECRET = 'default';
const ROOT_SECRET = 'ROOTCA';

/** Where SDS secrets come from: the proxy's identity agent (absent for a proxy outside the mesh). */
export interface SecretSource {
  readonly identity: WorkloadIdentity | undefined;
  /**
   * Set only while checking a bootstrap, before the identity agent has run: SDS references pass
   * when an identity is going to be issued, and no TLS context is built.
   */
  readonly identityExpected?: boolean;
}

const checkingOnly = (secrets: SecretSource): boolean => secrets.identityExpected !== undefined;

export interface DownstreamTls {
  readonly options: TlsOptions;
  /** Client identities allowed in, checked once per connection; `undefined` = any verified peer. */
  readonly allowedClients: AllowedSpiffeIds | undefined;
  /** `common_tls_context.alpn_protocols`: what the server offers, in preference order. */
  readonly alpn: readonly string[];
}

function readDataSource(source: FieldReader): string {
  source.allowOnly('inline_string', 'filename', 'inline_bytes');
  const inline = source.optionalString('inline_string');
  if (inline !== undefined) return inline;
  const bytes = source.optionalString('inline_bytes');
  if (bytes !== undefined) return Buffer.from(bytes, 'base64').toString('utf8');
  const file = source.string('filename');
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return source.fail('filename', `cannot read ${file}: ${(error as Error).message}`);
  }
}

function tlsContextOf(socket: FieldReader, expectedType: string): FieldReader {
  socket.allowOnly('name', 'typed_config');
  if (socket.string('name') !== TLS_TRANSPORT_SOCKET) socket.fail('name', `only ${TLS_TRANSPORT_SOCKET} is supported`);
  const context = socket.child('typed_config');
  if (context.string('@type') !== expectedType) context.fail('@type', `expected ${expectedType}`);
  return context;
}

function sdsIdentity(ref: FieldReader, expected: string, secrets: SecretSource): WorkloadIdentity | undefined {
  ref.allowOnly('name', 'sds_config');
  if (ref.string('name') !== expected) ref.fail('name', `only the SDS secret '${expected}' is served by this proxy`);
  if (secrets.identity !== undefined || secrets.identityExpected === true) return secrets.identity;
  return ref.fail('name', 'this proxy has no workload identity (it needs ADS and node metadata NAMESPACE and SERVICE_ACCOUNT)');
}

function allowedSans(validation: FieldReader): AllowedSpiffeIds | undefined {
  const matchers = validation.children('match_subject_alt_names');
  if (matchers.length === 0) return undefined;
  const exact: string[] = [];
  for (const m of matchers) {
    m.allowOnly('exact', 'prefix');
    const prefix = m.optionalString('prefix');
    if (prefix !== undefined) {
      if (matchers.length > 1) m.fail('prefix', 'a prefix matcher must be the only SAN matcher');
      return { prefix };
    }
    exact.push(m.string('exact'));
  }
  return exact;
}

interface CommonTls {
  readonly identity: WorkloadIdentity | undefined;
  readonly inline: { cert?: string; key?: string; ca?: string };
  readonly allowed: AllowedSpiffeIds | undefined;
  readonly alpn: string[];
  readonly params: TlsParams;
}

function readCommonTlsContext(common: FieldReader, secrets: SecretSource): CommonTls {
  common.allowOnly(
    'tls_certificates',
    'tls_certificate_sds_secret_configs',
    'validation_context',
    'combined_validation_context',
    'validation_context_sds_secret_config',
    'alpn_protocols',
    'tls_params',
  );
  let identity: WorkloadIdentity | undefined;
  const inline: { cert?: string; key?: string; ca?: string } = {};
  for (const ref of common.children('tls_certificate_sds_secret_configs')) identity = sdsIdentity(ref, WORKLOAD_SECRET, secrets);
  for (const cert of common.children('tls_certificates')) {
    cert.allowOnly('certificate_chain', 'private_key');
    inline.cert = readDataSource(cert.child('certificate_chain'));
    inline.key = readDataSource(cert.child('private_key'));
  }
  let allowed: AllowedSpiffeIds | undefined;
  const combined = common.optionalChild('combined_validation_context');
  if (combined !== undefined) {
    combined.allowOnly('default_validation_context', 'validation_context_sds_secret_config');
    // The mesh root comes with the workload identity; the reference only has to name it.
    identity ??= sdsIdentity(combined.child('validation_context_sds_secret_config'), ROOT_SECRET, secrets);
    const defaults = combined.optionalChild('default_validation_context');
    if (defaults !== undefined) allowed = allowedSans(defaults.allowOnly('match_subject_alt_names'));
  }
  const validation = common.optionalChild('validation_context');
  if (validation !== undefined) {
    validation.allowOnly('trusted_ca', 'match_subject_alt_names');
    const ca = validation.optionalChild('trusted_ca');
    if (ca !== undefined) inline.ca = readDataSource(ca);
    allowed = allowedSans(validation);
  }
  const tlsParams = common.optionalChild('tls_params');
  return { identity, inline, allowed, alpn: common.strings('alpn_protocols'), params: tlsParams === undefined ? {} : readTlsParams(tlsParams) };
}

/** An upstream `transport_socket` → TLS connect options (SPIFFE-verified for mesh clusters). */
export function upstreamTlsOptions(socket: FieldReader, secrets: SecretSource): ConnectionOptions {
  const context = tlsContextOf(socket, UPSTREAM_TLS).allowOnly('@type', 'common_tls_context', 'sni');
  const common = readCommonTlsContext(context.child('common_tls_context'), secrets);
  const sni = context.optionalString('sni');
  if (checkingOnly(secrets)) return {};
  if (common.identity !== undefined) {
    const options = clientTlsOptions(common.identity, {
      allowedSpiffeIds: common.allowed ?? { prefix: `spiffe://${trustDomainOf(common.identity.spiffeId) ?? ''}/` },
      ...(sni === undefined ? {} : { servername: sni }),
      ...(common.alpn.length === 0 ? {} : { alpn: common.alpn }),
    });
    return { ...options, ...common.params };
  }
  return {
    ...common.inline,
    ...(sni === undefined ? {} : { servername: sni }),
    ...(common.alpn.length === 0 ? {} : { ALPNProtocols: common.alpn }),
    ...common.params,
  };
}

/** A listener's `transport_socket` → TLS server options and the client identities it admits. */
export function downstreamTls(socket: FieldReader, secrets: SecretSource): DownstreamTls {
  const context = tlsContextOf(socket, DOWNSTREAM_TLS).allowOnly('@type', 'common_tls_context', 'require_client_certificate');
  const requireClientCert = context.boolean('require_client_certificate', false);
  const commonReader = context.child('common_tls_context');
  const common = readCommonTlsContext(commonReader, secrets);
  if (common.identity === undefined && common.inline.cert === undefined && !(checkingOnly(secrets) && commonReader.has('tls_certificate_sds_secret_configs'))) {
    // Without this, the listener would bind and then fail every handshake.
    commonReader.fail('tls_certificates', 'a server certificate is required (tls_certificates or tls_certificate_sds_secret_configs)');
  }
  const alpn = common.alpn.length === 0 ? {} : { ALPNProtocols: common.alpn };
  if (checkingOnly(secrets)) return { options: {}, allowedClients: common.allowed, alpn: common.alpn };
  if (common.identity !== undefined) {
    return {
      options: { ...serverTlsOptions(common.identity, { requireClientCert }), ...alpn, ...common.params },
      allowedClients: common.allowed,
      alpn: common.alpn,
    };
  }
  return {
    options: {
      ...common.inline,
      // As Envoy: with a CA to verify against, a client certificate is asked for even when not
      // required (the chain's handshake callback refuses one that does not verify).
      requestCert: requireClientCert || common.inline.ca !== undefined,
      rejectUnauthorized: requireClientCert,
      ...alpn,
      ...common.params,
    },
    allowedClients: common.allowed,
    alpn: common.alpn,
  };
}
