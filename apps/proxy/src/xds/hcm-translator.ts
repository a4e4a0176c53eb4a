import { alpnProtocolsFor } from '@meshkit/filters';
import type { CompiledHttpFilter, HttpConnectionOptions, HttpFilterRegistry, TrafficDirection } from '@meshkit/filters';
import type { RouteTable } from '@meshkit/router';
import { enumValue, requestsPerConnection } from './cluster-values.js';
import type { FieldReader } from './fields.js';
import { readProperCaseWords } from './http1-options.js';
import { readConnectionKeepalive, readFlowControlWindows } from './http2-options.js';
import { readAdsConfigSource } from './config-source.js';
import { translateRouteConfiguration } from './route-translator.js';
import type { SecretSource } from './transport-socket.js';

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** Where a connection manager's routes come from; an RDS listener warms up to `initialFetchTimeoutMs` (0: for good) for them. */
export type RouteSource = { readonly kind: 'inline'; readonly table: RouteTable } | { readonly kind: 'rds'; readonly name: string; readonly initialFetchTimeoutMs: number };

export interface HttpConnectionManagerSpec {
  readonly statPrefix: string;
  readonly routes: RouteSource;
  readonly filters: readonly CompiledHttpFilter[];
  readonly serverName: string | undefined;
  /** Codec, header handling, limits and timeouts, as `HttpConnectionManagerConfig` takes them. */
  readonly connection: HttpConnectionOptions;
  /** What a TLS listener in front of this manager must offer in ALPN (`h2` only when HTTP/2 is allowed). */
  readonly alpnProtocols: readonly string[];
}

export interface ListenerContext {
  readonly secrets: SecretSource;
  /** `undefined` when only checking a bootstrap: filter entries are checked for shape, not compiled. */
  readonly httpFilters: HttpFilterRegistry | undefined;
  /** The clusters that exist, for inline route tables' `validate_clusters` (unchecked when absent). */
  readonly clusterNames?: ReadonlySet<string>;
}

/** The `HttpConnectionManager` network filter's config → what the connection manager runs. */
export function translateHttpConnectionManager(
  hcm: FieldReader,
  listenerName: string,
  trafficDirection: TrafficDirection,
  context: ListenerContext,
): HttpConnectionManagerSpec {
  hcm.allowOnly('@type', 'stat_prefix', 'codec_type', 'route_config', 'rds', 'http_filters', 'server_name', ...CONNECTION_FIELDS);
  const connection = translateConnectionOptions(hcm);
  let routes: RouteSource;
  const rds = hcm.optionalChild('rds');
  if (rds !== undefined) {
    rds.allowOnly('route_config_name', 'config_source');
    const initialFetchTimeoutMs = readAdsConfigSource(rds.child('config_source'), 'RDS is supported over ADS only');
    routes = { kind: 'rds', name: rds.string('route_config_name'), initialFetchTimeoutMs };
  } else if (hcm.has('route_config')) {
    routes = { kind: 'inline', table: translateRouteConfiguration(hcm.value['route_config'], hcm.originOf('route_config'), context.clusterNames).table };
  } else {
    return hcm.fail('route_config', 'one of rds and route_config is required');
  }
  const filterEntries = hcm.children('http_filters');
  const compiled: CompiledHttpFilter[] = [];
  filterEntries.forEach((entry, i) => {
    entry.allowOnly('name', 'typed_config');
    const filter = { name: entry.string('name'), typed_config: entry.child('typed_config').value };
    if (context.httpFilters === undefined) return;
    try {
      compiled.push(context.httpFilters.compile(filter, { listenerName, trafficDirection }, `http_filters[${i}]`));
    } catch (error) {
      hcm.fail(`http_filters[${i}]`, (error as Error).message, error);
    }
  });
  const last = filterEntries.at(-1);
  if (last === undefined || last.string('name') !== 'envoy.filters.http.router') {
    hcm.fail('http_filters', 'the last HTTP filter must be envoy.filters.http.router');
  }
  return {
    statPrefix: hcm.string('stat_prefix'),
    routes,
    filters: compiled,
    serverName: hcm.optionalString('server_name'),
    connection,
    alpnProtocols: alpnProtocolsFor(connection.codec ?? 'AUTO'),
  };
}

const CONNECTION_FIELDS = [
  'http_protocol_options',
  'http2_protocol_options',
  'common_http_protocol_options',
  'use_remote_address',
  'skip_xff_append',
  'xff_num_trusted_hops',
  'via',
  'server_header_transformation',
  'max_request_headers_kb',
  'stream_idle_timeout',
  'request_timeout',
  'request_headers_timeout',
  'upgrade_configs',
  'generate_request_id',
  'preserve_external_request_id',
  'always_set_request_id_in_response',
  'strip_any_host_port',
  'strip_matching_host_port',
  'normalize_path',
  'merge_slashes',
  'path_with_escaped_slashes_action',
  'forward_client_cert_details',
  'set_current_client_cert_details',
];

const FORWARD_CLIENT_CERT = ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY'] as const;

const UNDERSCORE_ACTIONS = ['ALLOW', 'REJECT_REQUEST', 'DROP_HEADER'] as const;
const SERVER_HEADER_TRANSFORMATIONS = ['OVERWRITE', 'APPEND_IF_ABSENT', 'PASS_THROUGH'] as const;
const ESCAPED_SLASHES_ACTIONS = ['IMPLEMENTATION_SPECIFIC_DEFAULT', 'KEEP_UNCHANGED', 'REJECT_REQUEST', 'UNESCAPE_AND_REDIRECT', 'UNESCAPE_AND_FORWARD'] as const;

const MAX_UINT32 = 4_294_967_295;

/** The largest `max_request_headers_kb` Envoy accepts. */
const MAX_REQUEST_HEADERS_KB = 8192;

/** The HCM fields that shape connections and streams rather than routing or filters. */
function translateConnectionOptions(hcm: FieldReader): HttpConnectionOptions {
  const codec = hcm.optionalString('codec_type') ?? 'AUTO';
  if (codec !== 'AUTO' && codec !== 'HTTP1' && codec !== 'HTTP2') hcm.fail('codec_type', `${codec} is not supported (AUTO, HTTP1 and HTTP2 are)`);
  const options: { -readonly [K in keyof HttpConnectionOptions]: HttpConnectionOptions[K] } = { codec: codec };
  const http2 = hcm.optionalChild('http2_protocol_options');
  if (http2 !== undefined) {
    http2.allowOnly('max_concurrent_streams', 'connection_keepalive', 'allow_connect', 'initial_stream_window_size', 'initial_connection_window_size');
    if (http2.has('allow_connect')) options.http2AllowConnect = http2.boolean('allow_connect', false);
    const keepalive = readConnectionKeepalive(http2);
    if (keepalive !== undefined) options.http2Keepalive = keepalive;
    const windows = readFlowControlWindows(http2);
    if (windows.stream !== undefined) options.http2InitialStreamWindowSize = windows.stream;
    if (windows.connection !== undefined) options.http2InitialConnectionWindowSize = windows.connection;
    const streams = http2.optionalNumber('max_concurrent_streams');
    if (streams !== undefined) {
      if (!Number.isInteger(streams) || streams < 1 || streams > 2_147_483_647) http2.fail('max_concurrent_streams', 'must be an integer in 1..2147483647');
      options.http2MaxConcurrentStreams = streams;
    }
  }
  const http1 = hcm.optionalChild('http_protocol_options');
  if (http1 !== undefined) {
    http1.allowOnly('accept_http_10', 'default_host_for_http_10', 'allow_custom_methods', 'allow_absolute_url', 'header_key_format', 'allow_chunked_length');
    if (readProperCaseWords(http1)) options.properCaseHeaderNames = true;
    if (http1.boolean('allow_chunked_length', false)) options.allowChunkedLength = true;
    options.acceptHttp10 = http1.boolean('accept_http_10', false);
    options.allowCustomMethods = http1.boolean('allow_custom_methods', false);
    options.allowAbsoluteUrl = http1.boolean('allow_absolute_url', true);
    const defaultHost = http1.optionalString('default_host_for_http_10');
    if (defaultHost !== undefined) options.defaultHostForHttp10 = defaultHost;
  }
  const common = hcm.optionalChild('common_http_protocol_options');
  if (common !== undefined) {
    common.allowOnly('idle_timeout', 'max_headers_count', 'max_stream_duration', 'headers_with_underscores_action', 'max_requests_per_connection', 'max_connection_duration');
    if (common.has('headers_with_underscores_action')) options.headersWithUnderscoresAction = enumValue(common, 'headers_with_underscores_action', UNDERSCORE_ACTIONS, 'ALLOW');
    const idle = common.durationMs('idle_timeout');
    if (idle !== undefined) options.idleTimeoutMs = idle;
    const maxConnectionDuration = common.durationMs('max_connection_duration');
    if (maxConnectionDuration !== undefined && maxConnectionDuration > 0) options.maxConnectionDurationMs = maxConnectionDuration;
    const maxStreamDuration = common.durationMs('max_stream_duration');
    if (maxStreamDuration !== undefined) options.maxStreamDurationMs = maxStreamDuration;
    const maxHeaders = common.optionalNumber('max_headers_count');
    if (maxHeaders !== undefined) {
      if (!Number.isInteger(maxHeaders) || maxHeaders < 1 || maxHeaders > MAX_UINT32) common.fail('max_headers_count', `must be an integer in 1..${MAX_UINT32}`);
      options.maxHeadersCount = maxHeaders;
    }
    const maxRequests = requestsPerConnection(common, 'max_requests_per_connection');
    if (maxRequests !== undefined) options.maxRequestsPerConnection = maxRequests;
  }
  options.useRemoteAddress = hcm.boolean('use_remote_address', false);
  options.skipXffAppend = hcm.boolean('skip_xff_append', false);
  const trustedHops = hcm.optionalNumber('xff_num_trusted_hops');
  if (trustedHops !== undefined) {
    // A proto3 uint32: anything else is a config error, not something to round.
    if (!Number.isInteger(trustedHops) || trustedHops < 0 || trustedHops > MAX_UINT32) hcm.fail('xff_num_trusted_hops', `must be an integer in 0..${MAX_UINT32}`);
    options.xffNumTrustedHops = trustedHops;
  }
  const stripAny = hcm.boolean('strip_any_host_port', false);
  const stripMatching = hcm.boolean('strip_matching_host_port', false);
  if (stripAny && stripMatching) hcm.fail('strip_matching_host_port', 'cannot be set together with strip_any_host_port');
  if (stripAny || stripMatching) options.stripHostPort = stripAny ? 'any' : 'matching';
  if (hcm.boolean('normalize_path', false)) options.normalizePath = true;
  if (hcm.boolean('merge_slashes', false)) options.mergeSlashes = true;
  // Envoy's IMPLEMENTATION_SPECIFIC_DEFAULT is KEEP_UNCHANGED.
  const escaped = enumValue(hcm, 'path_with_escaped_slashes_action', ESCAPED_SLASHES_ACTIONS, 'IMPLEMENTATION_SPECIFIC_DEFAULT');
  if (escaped !== 'IMPLEMENTATION_SPECIFIC_DEFAULT') options.escapedSlashesAction = escaped;
  if (hcm.has('forward_client_cert_details')) options.forwardClientCertDetails = enumValue(hcm, 'forward_client_cert_details', FORWARD_CLIENT_CERT, 'SANITIZE');
  const details = hcm.optionalChild('set_current_client_cert_details');
  if (details !== undefined) {
    details.allowOnly('subject', 'cert', 'chain', 'dns', 'uri');
    // node reports the verified chain, not the one the client sent, so Envoy's Chain cannot be reproduced.
    if (details.boolean('chain', false)) details.fail('chain', 'true is not supported (the certificate chain as presented is not available)');
    options.clientCertDetails = { subject: details.boolean('subject', false), cert: details.boolean('cert', false), dns: details.boolean('dns', false), uri: details.boolean('uri', false) };
  }
  if (!hcm.boolean('generate_request_id', true)) hcm.fail('generate_request_id', 'false is not supported (request ids are always generated)');
  if (hcm.boolean('preserve_external_request_id', false)) options.preserveExternalRequestId = true;
  if (hcm.boolean('always_set_request_id_in_response', false)) options.alwaysSetRequestIdInResponse = true;
  const via = hcm.optionalString('via');
  if (via !== undefined) options.via = via;
  const serverHeader = enumValue(hcm, 'server_header_transformation', SERVER_HEADER_TRANSFORMATIONS, 'OVERWRITE');
  if (serverHeader !== 'OVERWRITE') options.serverHeaderTransformation = serverHeader;
  const headersKb = hcm.optionalNumber('max_request_headers_kb');
  if (headersKb !== undefined) {
    if (!Number.isInteger(headersKb) || headersKb < 1 || headersKb > MAX_REQUEST_HEADERS_KB) hcm.fail('max_request_headers_kb', `must be an integer in 1..${MAX_REQUEST_HEADERS_KB}`);
    options.maxRequestHeadersKb = headersKb;
  }
  const idle = hcm.durationMs('stream_idle_timeout');
  if (idle !== undefined) options.streamIdleTimeoutMs = idle;
  const request = hcm.durationMs('request_timeout');
  if (request !== undefined) options.requestTimeoutMs = request;
  const headers = hcm.durationMs('request_headers_timeout');
  if (headers !== undefined) options.requestHeadersTimeoutMs = headers;
  const upgrades: string[] = [];
  hcm.children('upgrade_configs').forEach((upgrade) => {
    upgrade.allowOnly('upgrade_type', 'enabled');
    const type = upgrade.string('upgrade_type').toLowerCase();
    if (type !== 'websocket') upgrade.fail('upgrade_type', `${type} is not supported (websocket is)`);
    if (upgrade.boolean('enabled', true)) upgrades.push(type);
  });
  if (upgrades.length > 0) options.upgradeTypes = upgrades;
  return options;
}
