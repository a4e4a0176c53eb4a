import type { ClientCertDetails, ForwardClientCertDetails } from './client-cert-header.js';
import type { HeadersWithUnderscoresAction } from './codec/underscore-headers.js';
import type { ServerHeaderTransformation } from './codec/server-header.js';
import type { EscapedSlashesAction, PathNormalizationOptions } from './path-normalization.js';

/** Which downstream codec a connection manager speaks (Envoy's `codec_type`). */
export type CodecType = 'AUTO' | 'HTTP1' | 'HTTP2';

/**
 * Per-connection-manager protocol settings, with Envoy's field names in the comments. Every field is
 * optional; `resolveConnectionOptions` fills in Envoy's defaults once, when config arrives.
 */
export interface HttpConnectionOptions {
  /** `codec_type`. Default AUTO: HTTP/2 by preface (cleartext) or ALPN (TLS), else HTTP/1.1. */
  readonly codec?: CodecType;
  /** `http2_protocol_options.max_concurrent_streams`. Default 2147483647. */
  readonly http2MaxConcurrentStreams?: number;
  /**
   * `http2_protocol_options.allow_connect`: accept RFC 8441 extended CONNECT, read as the HTTP/1.1
   * upgrade it stands for (so `upgrade_configs` decides). Default false.
   */
  readonly http2AllowConnect?: boolean;
  /**
   * `http2_protocol_options.connection_keepalive`: PING an idle HTTP/2 connection every `intervalMs`
   * and close it when no ACK comes within `timeoutMs`. Default off.
   */
  readonly http2Keepalive?: { readonly intervalMs: number; readonly timeoutMs: number };
  /**
   * `http2_protocol_options.initial_stream_window_size` / `initial_connection_window_size`: the
   * flow-control windows offered to clients. Default node's 65535 (Envoy's is 256 MiB; a paused
   * stream may buffer up to its window).
   */
  readonly http2InitialStreamWindowSize?: number;
  readonly http2InitialConnectionWindowSize?: number;
  /** `common_http_protocol_options.idle_timeout`: close an HTTP/2 connection idle this long. Default 1 hour. */
  readonly idleTimeoutMs?: number;
  /** `use_remote_address`: append the peer address to `x-forwarded-for`, strip `x-envoy-*` from it. */
  readonly useRemoteAddress?: boolean;
  /** `skip_xff_append`. */
  readonly skipXffAppend?: boolean;
  /**
   * `xff_num_trusted_hops`: how many proxies in front of this one append to `x-forwarded-for`
   * truthfully, so the trusted client address is read that far into it. Default 0.
   */
  readonly xffNumTrustedHops?: number;
  /** `via`: appended to the request's and the response's `via` header. */
  readonly via?: string;
  /** `server_header_transformation`: how the `server_name` meets a response's own `server`. Default OVERWRITE. */
  readonly serverHeaderTransformation?: ServerHeaderTransformation;
  /** `preserve_external_request_id`: an edge request keeps the `x-request-id` it came with. Default false. */
  readonly preserveExternalRequestId?: boolean;
  /** `always_set_request_id_in_response`: every response carries the request's `x-request-id`. Default false. */
  readonly alwaysSetRequestIdInResponse?: boolean;
  /** `max_request_headers_kb`. Default 60. */
  readonly maxRequestHeadersKb?: number;
  /**
   * `common_http_protocol_options.max_requests_per_connection`: after this many requests an
   * HTTP/1.1 connection closes with its last response and an HTTP/2 one is sent GOAWAY. Default 0: no limit.
   */
  readonly maxRequestsPerConnection?: number;
  /**
   * `common_http_protocol_options.max_connection_duration`, from the accept: then the connection
   * drains (closed when idle, after its response when busy, GOAWAY on HTTP/2 with a forced close
   * after Envoy's 5 s drain timeout). Default 0: none.
   */
  readonly maxConnectionDurationMs?: number;
  /** `common_http_protocol_options.max_headers_count`: more fields get 431. Default 100. */
  readonly maxHeadersCount?: number;
  /** `http_protocol_options.accept_http_10`. Default false: HTTP/1.0 requests get 426. */
  readonly acceptHttp10?: boolean;
  /** `http_protocol_options.header_key_format.proper_case_words`: HTTP/1.1 responses name fields `Content-Type`. Default false: lower case. */
  readonly properCaseHeaderNames?: boolean;
  /** `http_protocol_options.default_host_for_http_10`: the `:authority` of an HTTP/1.0 request without Host. */
  readonly defaultHostForHttp10?: string;
  /**
   * `http_protocol_options.allow_chunked_length`: an HTTP/1.1 request with both `Transfer-Encoding:
   * chunked` and Content-Length is read as chunked and loses its Content-Length. Default false: 400.
   */
  readonly allowChunkedLength?: boolean;
  /**
   * `http_protocol_options.allow_custom_methods`. Default false: an HTTP/1.1 request whose method is
   * not one of Envoy's standard list gets 400; true takes any token.
   */
  readonly allowCustomMethods?: boolean;
  /**
   * `http_protocol_options.allow_absolute_url`. Default true: an absolute-form target
   * (`GET http://host/path`, sent to a proxy) gives `:authority`, `:path` and `:scheme`, and one
   * that is not an http or https URL with a valid authority gets 400; false leaves it as `:path`.
   */
  readonly allowAbsoluteUrl?: boolean;
  /** `common_http_protocol_options.headers_with_underscores_action` (see HeadersWithUnderscoresAction). Default ALLOW. */
  readonly headersWithUnderscoresAction?: HeadersWithUnderscoresAction;
  /** `stream_idle_timeout`; 0 disables. Default 5 minutes. */
  readonly streamIdleTimeoutMs?: number;
  /** `request_timeout`: the whole request must arrive within it; 0 (default) disables. */
  readonly requestTimeoutMs?: number;
  /** `request_headers_timeout`: the request headers must arrive within it; 0 (default) disables. */
  readonly requestHeadersTimeoutMs?: number;
  /** `common_http_protocol_options.max_stream_duration`: a stream's whole life, unless its route sets one; 0 (default) disables. */
  readonly maxStreamDurationMs?: number;
  /** `upgrade_configs[].upgrade_type`, lower-case (`websocket`). Default none: upgrades get 403. */
  readonly upgradeTypes?: readonly string[];
  /** The listener's `per_connection_buffer_limit_bytes`: what a stopped filter may hold. Default 1 MiB. */
  readonly bufferLimitBytes?: number;
  /**
   * `strip_any_host_port` ('any') or `strip_matching_host_port` ('matching': only the listener's
   * own port): the port leaves `:authority` before filters and routing see it, and so upstream too.
   */
  readonly stripHostPort?: 'none' | 'any' | 'matching';
  /** `normalize_path`: RFC 3986 normalization of the path before filters and routing. Default false. */
  readonly normalizePath?: boolean;
  /** `merge_slashes`: runs of `/` in the path become one. Default false. */
  readonly mergeSlashes?: boolean;
  /** `path_with_escaped_slashes_action`. Default KEEP_UNCHANGED. */
  readonly escapedSlashesAction?: EscapedSlashesAction;
  /** `forward_client_cert_details`: what becomes of `x-forwarded-client-cert`. Default SANITIZE (removed). */
  readonly forwardClientCertDetails?: ForwardClientCertDetails;
  /** `set_current_client_cert_details`, for APPEND_FORWARD and SANITIZE_SET. */
  readonly clientCertDetails?: ClientCertDetails;
}

export interface ResolvedConnectionOptions {
  readonly codec: CodecType;
  readonly http2MaxConcurrentStreams: number;
  readonly http2AllowConnect: boolean;
  readonly http2Keepalive: { readonly intervalMs: number; readonly timeoutMs: number } | undefined;
  readonly http2InitialStreamWindowSize: number | undefined;
  readonly http2InitialConnectionWindowSize: number | undefined;
  readonly idleTimeoutMs: number;
  readonly useRemoteAddress: boolean;
  readonly skipXffAppend: boolean;
  readonly xffNumTrustedHops: number;
  readonly via: string;
  readonly serverHeaderTransformation: ServerHeaderTransformation;
  readonly preserveExternalRequestId: boolean;
  readonly alwaysSetRequestIdInResponse: boolean;
  readonly maxRequestHeadersBytes: number;
  readonly maxHeadersCount: number;
  readonly maxRequestsPerConnection: number;
  readonly maxConnectionDurationMs: number;
  readonly acceptHttp10: boolean;
  readonly properCaseHeaderNames: boolean;
  readonly defaultHostForHttp10: string;
  readonly allowChunkedLength: boolean;
  readonly allowCustomMethods: boolean;
  readonly allowAbsoluteUrl: boolean;
  readonly headersWithUnderscoresAction: HeadersWithUnderscoresAction;
  readonly streamIdleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly requestHeadersTimeoutMs: number;
  readonly maxStreamDurationMs: number;
  readonly upgradeTypes: ReadonlySet<string>;
  readonly bufferLimitBytes: number;
  readonly stripHostPort: 'none' | 'any' | 'matching';
  /** Undefined when the path is taken as it comes (nothing to do per request). */
  readonly pathNormalization: PathNormalizationOptions | undefined;
  readonly forwardClientCertDetails: ForwardClientCertDetails;
  readonly clientCertDetails: ClientCertDetails;
}

export const DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
export const DEFAULT_MAX_HEADERS_COUNT = 100;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_MAX_CONCURRENT_STREAMS = 2_147_483_647;

export function resolveConnectionOptions(options: HttpConnectionOptions): ResolvedConnectionOptions {
  return {
    codec: options.codec ?? 'AUTO',
    http2MaxConcurrentStreams: options.http2MaxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
    http2AllowConnect: options.http2AllowConnect ?? false,
    http2Keepalive: options.http2Keepalive,
    http2InitialStreamWindowSize: options.http2InitialStreamWindowSize,
    http2InitialConnectionWindowSize: options.http2InitialConnectionWindowSize,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    useRemoteAddress: options.useRemoteAddress ?? false,
    skipXffAppend: options.skipXffAppend ?? false,
    xffNumTrustedHops: options.xffNumTrustedHops ?? 0,
    via: options.via ?? '',
    serverHeaderTransformation: options.serverHeaderTransformation ?? 'OVERWRITE',
    preserveExternalRequestId: options.preserveExternalRequestId ?? false,
    alwaysSetRequestIdInResponse: options.alwaysSetRequestIdInResponse ?? false,
    maxRequestHeadersBytes: (options.maxRequestHeadersKb ?? DEFAULT_MAX_REQUEST_HEADERS_KB) * 1024,
    maxHeadersCount: options.maxHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT,
    maxRequestsPerConnection: options.maxRequestsPerConnection ?? 0,
    maxConnectionDurationMs: options.maxConnectionDurationMs ?? 0,
    acceptHttp10: options.acceptHttp10 ?? false,
    properCaseHeaderNames: options.properCaseHeaderNames ?? false,
    defaultHostForHttp10: options.defaultHostForHttp10 ?? '',
    allowChunkedLength: options.allowChunkedLength ?? false,
    allowCustomMethods: options.allowCustomMethods ?? false,
    allowAbsoluteUrl: options.allowAbsoluteUrl ?? true,
    headersWithUnderscoresAction: options.headersWithUnderscoresAction ?? 'ALLOW',
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    requestHeadersTimeoutMs: options.requestHeadersTimeoutMs ?? 0,
    maxStreamDurationMs: options.maxStreamDurationMs ?? 0,
    upgradeTypes: new Set((options.upgradeTypes ?? []).map((type) => type.toLowerCase())),
    bufferLimitBytes: options.bufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES,
    stripHostPort: options.stripHostPort ?? 'none',
    pathNormalization: resolvePathNormalization(options),
    forwardClientCertDetails: options.forwardClientCertDetails ?? 'SANITIZE',
    clientCertDetails: options.clientCertDetails ?? {},
  };
}

function resolvePathNormalization(options: HttpConnectionOptions): PathNormalizationOptions | undefined {
  const resolved = { normalize: options.normalizePath ?? false, mergeSlashes: options.mergeSlashes ?? false, escapedSlashes: options.escapedSlashesAction ?? 'KEEP_UNCHANGED' };
  return resolved.normalize || resolved.mergeSlashes || resolved.escapedSlashes !== 'KEEP_UNCHANGED' ? resolved : undefined;
}

/** The ALPN protocols a TLS listener in front of this manager should offer, best first. */
export function alpnProtocolsFor(codec: CodecType): string[] {
  if (codec === 'HTTP1') return ['http/1.1'];
  if (codec === 'HTTP2') return ['h2'];
  return ['h2', 'http/1.1'];
}
