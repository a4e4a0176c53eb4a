import type { Http1Options, Http2Options } from '@meshkit/upstream';
import type { FieldReader } from './fields.js';
import { requestsPerConnection } from './cluster-values.js';
import { readProperCaseWords } from './http1-options.js';
import { readConnectionKeepalive, readFlowControlWindows } from './http2-options.js';

export type UpstreamProtocol = {
  readonly protocol?: 'http2' | 'downstream';
  readonly http1?: Http1Options;
  readonly http2?: Http2Options;
};

/** Connection reuse limits, as `ClusterOptions` takes them; absent means upstream's default. */
export interface ConnectionPoolSpec {
  readonly maxRequestsPerConnection?: number;
  readonly idleTimeoutMs?: number;
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** HTTP/2 settings the upstream pool honours (Envoy's `Http2ProtocolOptions`). */
function readHttp2Options(options: FieldReader): UpstreamProtocol {
  options.allowOnly('max_concurrent_streams', 'connection_keepalive', 'initial_stream_window_size', 'initial_connection_window_size');
  const streams = options.optionalNumber('max_concurrent_streams');
  if (streams !== undefined && (!Number.isInteger(streams) || streams < 1)) options.fail('max_concurrent_streams', 'must be an integer >= 1');
  const keepalive = readConnectionKeepalive(options);
  const windows = readFlowControlWindows(options);
  const http2 = {
    ...(streams === undefined ? {} : { maxConcurrentStreams: streams }),
    ...(keepalive === undefined ? {} : { keepalive }),
    ...(windows.stream === undefined ? {} : { initialStreamWindowSize: windows.stream }),
    ...(windows.connection === undefined ? {} : { initialConnectionWindowSize: windows.connection }),
  };
  return Object.keys(http2).length === 0 ? { protocol: 'http2' } : { protocol: 'http2', http2 };
}

/** The protocol choice, one of Envoy's `explicit_http_config` and `use_downstream_protocol_config`. */
function readUpstreamProtocol(options: FieldReader): UpstreamProtocol {
  const downstream = options.optionalChild('use_downstream_protocol_config');
  if (downstream !== undefined) {
    if (options.has('explicit_http_config')) options.fail('use_downstream_protocol_config', 'give either this or explicit_http_config, not both');
    downstream.allowOnly('http_protocol_options', 'http2_protocol_options');
    const http1 = downstream.optionalChild('http_protocol_options');
    // Whether or not its options are given, a request that came over HTTP/2 goes upstream over HTTP/2.
    const http2 = downstream.optionalChild('http2_protocol_options');
    const http2Options = http2 === undefined ? undefined : readHttp2Options(http2).http2;
    return { protocol: 'downstream', ...(http1 === undefined ? {} : readHttp1Options(http1)), ...(http2Options === undefined ? {} : { http2: http2Options }) };
  }
  const explicit = options.child('explicit_http_config').allowOnly('http_protocol_options', 'http2_protocol_options');
  const http2 = explicit.optionalChild('http2_protocol_options');
  if (http2 !== undefined) return readHttp2Options(http2);
  return readHttp1Options(explicit.child('http_protocol_options'));
}

/** HTTP/1.1 settings the upstream pool honours: `header_key_format.proper_case_words` and `allow_chunked_length`. */
function readHttp1Options(options: FieldReader): UpstreamProtocol {
  options.allowOnly('header_key_format', 'allow_chunked_length');
  const http1 = {
    ...(readProperCaseWords(options) ? { properCaseHeaderNames: true } : {}),
    ...(options.boolean('allow_chunked_length', false) ? { allowChunkedLength: true } : {}),
  };
  return Object.keys(http1).length === 0 ? {} : { http1 };
}

/** `common_http_protocol_options`: the connection limits the pool implements. */
function readCommonOptions(common: FieldReader): ConnectionPoolSpec {
  common.allowOnly('idle_timeout', 'max_requests_per_connection');
  const idleTimeoutMs = common.durationMs('idle_timeout');
  // Envoy's 0s turns the idle timeout off; the pool always closes idle connections eventually.
  if (idleTimeoutMs === 0) common.fail('idle_timeout', '0s (no idle timeout) is not supported; give a positive duration');
  const maxRequestsPerConnection = requestsPerConnection(common, 'max_requests_per_connection');
  return {
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    ...(maxRequestsPerConnection === undefined ? {} : { maxRequestsPerConnection }),
  };
}

export interface ProtocolSpec {
  readonly upstreamProtocol: UpstreamProtocol;
  readonly connectionPool: ConnectionPoolSpec;
}

/**
 * The upstream protocol and connection limits: `typed_extension_protocol_options` with Envoy's
 * `HttpProtocolOptions` (`explicit_http_config` or `use_downstream_protocol_config`,
 * `common_http_protocol_options`), or the
 * deprecated cluster-level `http2_protocol_options` and `max_requests_per_connection`.
 */
export function readProtocol(cluster: FieldReader): ProtocolSpec {
  const legacy = cluster.optionalChild('http2_protocol_options');
  const extensions = cluster.optionalChild('typed_extension_protocol_options');
  if (legacy !== undefined && extensions !== undefined) cluster.fail('http2_protocol_options', 'give either this or typed_extension_protocol_options, not both');
  const legacyLimit = requestsPerConnection(cluster, 'max_requests_per_connection');
  const legacyPool: ConnectionPoolSpec = legacyLimit === undefined ? {} : { maxRequestsPerConnection: legacyLimit };
  if (legacy !== undefined) return { upstreamProtocol: readHttp2Options(legacy), connectionPool: legacyPool };
  if (extensions === undefined) return { upstreamProtocol: {}, connectionPool: legacyPool };
  extensions.allowOnly(HTTP_PROTOCOL_OPTIONS);
  const options = extensions.child(HTTP_PROTOCOL_OPTIONS).allowOnly('@type', 'explicit_http_config', 'use_downstream_protocol_config', 'common_http_protocol_options');
  if (!options.string('@type').endsWith(`/${HTTP_PROTOCOL_OPTIONS}`)) options.fail('@type', `expected type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`);
  const common = options.optionalChild('common_http_protocol_options');
  // As in Envoy, the HttpProtocolOptions limit wins over the deprecated cluster field.
  const connectionPool = common === undefined ? legacyPool : { ...legacyPool, ...readCommonOptions(common) };
  return { upstreamProtocol: readUpstreamProtocol(options), connectionPool };
}
