import { describe, expect, it } from 'vitest';
import { ResourceError } from '../src/errors.js';
import { translateCluster } from '../src/xds/cluster-translator.js';
import { translateListener } from '../src/xds/listener-translator.js';
import { proxyFilterRegistry, proxyNetworkFilterRegistry } from './support/filter-registry.js';
import { hcmOf } from './support/listener-spec.js';
import { httpListener, staticCluster } from './support/static-bootstrap.js';

const NO_IDENTITY = { identity: undefined };
const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function refusalOf(translate: () => unknown): string {
  try {
    translate();
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

/** An HTTP listener whose connection manager carries `fields` on top of the test defaults. */
function listenerWith(fields: Record<string, unknown>): Record<string, unknown> {
  const listener = httpListener('http', 8080) as { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] };
  Object.assign(listener.filter_chains[0]?.filters[0]?.typed_config ?? {}, fields);
  return listener;
}

const context = () => ({ secrets: NO_IDENTITY, httpFilters: proxyFilterRegistry(), networkFilters: proxyNetworkFilterRegistry() });

describe('HTTP/2, gRPC and connection settings in translation', () => {
  it('reads the connection manager fields the codecs honour', () => {
    const hcm = hcmOf(
      translateListener(
        listenerWith({
          codec_type: 'HTTP2',
          http2_protocol_options: {
            max_concurrent_streams: 64,
            allow_connect: true,
            connection_keepalive: { interval: '10s', timeout: '2s' },
            initial_stream_window_size: 1_048_576,
            initial_connection_window_size: 8_388_608,
          },
          common_http_protocol_options: { idle_timeout: '300s', max_requests_per_connection: 1000, max_connection_duration: '3600s' },
          use_remote_address: true,
          via: 'edge',
          max_request_headers_kb: 96,
          stream_idle_timeout: '30s',
          request_timeout: '10s',
          request_headers_timeout: '2s',
          upgrade_configs: [{ upgrade_type: 'WebSocket' }],
        }),
        context(),
      ),
    );
    expect(hcm.connection).toEqual({
      codec: 'HTTP2',
      http2MaxConcurrentStreams: 64,
      http2AllowConnect: true,
      http2Keepalive: { intervalMs: 10_000, timeoutMs: 2_000 },
      http2InitialStreamWindowSize: 1_048_576,
      http2InitialConnectionWindowSize: 8_388_608,
      idleTimeoutMs: 300_000,
      maxRequestsPerConnection: 1000,
      maxConnectionDurationMs: 3_600_000,
      useRemoteAddress: true,
      skipXffAppend: false,
      via: 'edge',
      maxRequestHeadersKb: 96,
      streamIdleTimeoutMs: 30_000,
      requestTimeoutMs: 10_000,
      requestHeadersTimeoutMs: 2_000,
      upgradeTypes: ['websocket'],
    });
    expect(hcm.alpnProtocols).toEqual(['h2']);
    expect(hcmOf(translateListener(listenerWith({}), context())).alpnProtocols).toEqual(['h2', 'http/1.1']);
    expect(hcmOf(translateListener(listenerWith({ codec_type: 'HTTP1' }), context())).alpnProtocols).toEqual(['http/1.1']);
  });

  it('reads path normalization, client certificate forwarding, the server header and request id options', () => {
    const fields = {
      normalize_path: true,
      merge_slashes: true,
      path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD',
      forward_client_cert_details: 'APPEND_FORWARD',
      set_current_client_cert_details: { subject: true, uri: true },
      server_header_transformation: 'APPEND_IF_ABSENT',
      http_protocol_options: { header_key_format: { proper_case_words: {} }, allow_chunked_length: true },
      preserve_external_request_id: true,
      always_set_request_id_in_response: true,
    };
    expect(hcmOf(translateListener(listenerWith(fields), context())).connection).toMatchObject({
      normalizePath: true,
      mergeSlashes: true,
      escapedSlashesAction: 'UNESCAPE_AND_FORWARD',
      forwardClientCertDetails: 'APPEND_FORWARD',
      clientCertDetails: { subject: true, cert: false, dns: false, uri: true },
      serverHeaderTransformation: 'APPEND_IF_ABSENT',
      properCaseHeaderNames: true,
      allowChunkedLength: true,
      preserveExternalRequestId: true,
      alwaysSetRequestIdInResponse: true,
    });
    expect(hcmOf(translateListener(listenerWith({ path_with_escaped_slashes_action: 'IMPLEMENTATION_SPECIFIC_DEFAULT' }), context())).connection.escapedSlashesAction).toBeUndefined();
    expect(refusalOf(() => translateListener(listenerWith({ forward_client_cert_details: 'FORWARD' }), context()))).toContain('forward_client_cert_details: FORWARD is not supported (SANITIZE, FORWARD_ONLY, APPEND_FORWARD, SANITIZE_SET, ALWAYS_FORWARD_ONLY are)');
    expect(refusalOf(() => translateListener(listenerWith({ set_current_client_cert_details: { chain: true } }), context()))).toContain('set_current_client_cert_details.chain: true is not supported');
    expect(refusalOf(() => translateListener(listenerWith({ http_protocol_options: { header_key_format: { stateful_formatter: {} } } }), context()))).toContain(
      'http_protocol_options.header_key_format.stateful_formatter: is not supported by this proxy',
    );
    expect(refusalOf(() => translateListener(listenerWith({ server_header_transformation: 'REMOVE' }), context()))).toContain(
      'server_header_transformation: REMOVE is not supported (OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH are)',
    );
  });

  it('refuses what the codecs do not implement, naming the field', () => {
    expect(refusalOf(() => translateListener(listenerWith({ codec_type: 'HTTP3' }), context()))).toContain('codec_type: HTTP3 is not supported');
    expect(refusalOf(() => translateListener(listenerWith({ http2_protocol_options: { initial_stream_window_size: 1024 } }), context()))).toContain(
      'http2_protocol_options.initial_stream_window_size: must be an integer in 65535..2147483647',
    );
    expect(refusalOf(() => translateListener(listenerWith({ http2_protocol_options: { hpack_table_size: 0 } }), context()))).toContain(
      'http2_protocol_options.hpack_table_size: is not supported by this proxy',
    );
    expect(refusalOf(() => translateListener(listenerWith({ upgrade_configs: [{ upgrade_type: 'CONNECT' }] }), context()))).toContain('upgrade_type: connect is not supported');
    expect(refusalOf(() => translateListener(listenerWith({ max_request_headers_kb: 9000 }), context()))).toContain('max_request_headers_kb: must be an integer in 1..8192');
    expect(refusalOf(() => translateListener(listenerWith({ common_http_protocol_options: { max_requests_per_connection: -1 } }), context()))).toContain(
      'common_http_protocol_options.max_requests_per_connection: must be an integer in 0..4294967295',
    );
  });

  it('gives a cluster HTTP/2 from typed_extension_protocol_options or the legacy field', () => {
    const typed = translateCluster(
      staticCluster('grpc', 9000, {
        typed_extension_protocol_options: {
          [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 50 } } },
        },
      }),
      NO_IDENTITY,
    );
    expect(typed.upstreamProtocol).toEqual({ protocol: 'http2', http2: { maxConcurrentStreams: 50 } });
    expect(translateCluster(staticCluster('legacy', 9000, { http2_protocol_options: {} }), NO_IDENTITY).upstreamProtocol).toEqual({ protocol: 'http2' });
    const http1 = { [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, explicit_http_config: { http_protocol_options: {} } } };
    expect(translateCluster(staticCluster('h1', 9000, { typed_extension_protocol_options: http1 }), NO_IDENTITY).upstreamProtocol).toEqual({});
    expect(translateCluster(staticCluster('plain', 9000), NO_IDENTITY).upstreamProtocol).toEqual({});
    const properCase = { [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, explicit_http_config: { http_protocol_options: { header_key_format: { proper_case_words: {} } } } } };
    expect(translateCluster(staticCluster('legacy-app', 9000, { typed_extension_protocol_options: properCase }), NO_IDENTITY).upstreamProtocol).toEqual({ http1: { properCaseHeaderNames: true } });
    const chunkedLength = { [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, use_downstream_protocol_config: { http_protocol_options: { allow_chunked_length: true } } } };
    expect(translateCluster(staticCluster('lenient', 9000, { typed_extension_protocol_options: chunkedLength }), NO_IDENTITY).upstreamProtocol).toEqual({
      protocol: 'downstream',
      http1: { allowChunkedLength: true },
    });
  });

  it('refuses upstream protocol selection it cannot honour', () => {
    const auto = { [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, auto_config: {} } };
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { typed_extension_protocol_options: auto }), NO_IDENTITY))).toContain(
      `typed_extension_protocol_options.${HTTP_OPTIONS}.auto_config: is not supported by this proxy`,
    );
    expect(refusalOf(() => translateCluster(staticCluster('b', 1, { http2_protocol_options: {}, typed_extension_protocol_options: {} }), NO_IDENTITY))).toContain(
      'give either this or typed_extension_protocol_options, not both',
    );
  });
});
