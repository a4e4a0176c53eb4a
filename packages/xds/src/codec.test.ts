import { describe, expect, it } from 'vitest';
import { edsCluster, inboundListener, loadAssignment, outboundListener, routeConfiguration, secret } from '../test/envoy-fixtures.js';
import { decodeResource, encodeResource, validateResource } from './codec.js';
import { InvalidValueError, UnknownFieldError, UnknownTypeError } from './errors.js';
import { envoyProtoRoot } from './proto-root.js';
import { TYPE_URLS, resourceName } from './type-urls.js';
import type { EnvoyResource } from './type-urls.js';

const roundTrip = (typeUrl: string, resource: EnvoyResource): EnvoyResource =>
  decodeResource(typeUrl, encodeResource(typeUrl, resource));

/** Decodes with protobufjs' own object conversion, independent of our JSON walker. */
function rawDecode(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = envoyProtoRoot().lookupType(typeName);
  return type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: false });
}

function anyValue(any: unknown): { typeUrl: string; value: Uint8Array } {
  const { type_url, value } = any as { type_url: string; value: Uint8Array };
  return { typeUrl: type_url, value };
}

describe('codec round trips', () => {
  it.each([
    ['inbound listener (HCM, inline routes, TypedStruct filters, SDS TLS)', TYPE_URLS.listener, inboundListener],
    ['outbound listener (HCM over RDS/ADS)', TYPE_URLS.listener, outboundListener],
    ['EDS cluster with UpstreamTlsContext and protocol options', TYPE_URLS.cluster, edsCluster],
    ['cluster load assignment', TYPE_URLS.endpoint, loadAssignment],
    ['route configuration with weighted clusters and header matchers', TYPE_URLS.route, routeConfiguration],
    ['secret', TYPE_URLS.secret, secret],
  ])('%s comes back exactly as written', (_label, typeUrl, resource) => {
    expect(roundTrip(typeUrl, resource)).toEqual(resource);
    expect(validateResource(typeUrl, resource)).toMatchObject({ ok: true, name: resourceName(typeUrl, resource) });
  });

  it('writes real protobuf: enums, durations, wrappers and nested Any as Envoy reads them', () => {
    const listener = rawDecode('envoy.config.listener.v3.Listener', encodeResource(TYPE_URLS.listener, inboundListener));
    expect(listener['traffic_direction']).toBe('INBOUND');
    expect(listener['per_connection_buffer_limit_bytes']).toEqual({ value: 32768 });
    expect(listener['listener_filters_timeout']).toEqual({ nanos: 100_000_000 });
    const chain = (listener['filter_chains'] as Record<string, unknown>[])[0] ?? {};
    const filter = (chain['filters'] as Record<string, unknown>[])[0] ?? {};
    const hcmAny = anyValue(filter['typed_config']);
    expect(hcmAny.typeUrl).toBe(
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    );
    const hcm = rawDecode('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', hcmAny.value);
    expect(hcm['request_headers_timeout']).toEqual({ seconds: '1', nanos: 500_000_000 });
    const stats = anyValue((hcm['http_filters'] as Record<string, unknown>[])[1]?.['typed_config']);
    expect(stats.typeUrl).toBe('type.googleapis.com/udpa.type.v1.TypedStruct');
    const typedStruct = rawDecode('udpa.type.v1.TypedStruct', stats.value);
    expect(typedStruct['type_url']).toBe('type.googleapis.com/stats.PluginConfig');
    expect(JSON.stringify(typedStruct['value'])).toContain('destination');
  });

  it('keeps 64-bit integers exact, floats short and bytes as base64', () => {
    const cluster = {
      name: 'c',
      connect_timeout: '-0.5s',
      circuit_breakers: { thresholds: [{ max_connections: 7 }] },
      lb_subset_config: { fallback_policy: 'ANY_ENDPOINT' },
      common_lb_config: { healthy_panic_threshold: { value: 12.5 } },
      ring_hash_lb_config: { minimum_ring_size: '18446744073709551615', maximum_ring_size: 8388608 },
    };
    expect(roundTrip(TYPE_URLS.cluster, cluster)).toEqual(cluster);
    const sampled = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', hash_policy: [] } }] }] };
    expect(roundTrip(TYPE_URLS.route, sampled)).toEqual({
      name: 'r',
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }],
    });
  });

  it('carries well-known types inside Any as {"@type", "value"}', () => {
    const listener = {
      name: 'l',
      listener_filters: [
        { name: 'opaque', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { a: 1, b: ['x'] } } },
        { name: 'dur', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' } },
      ],
    };
    expect(roundTrip(TYPE_URLS.listener, listener)).toEqual(listener);
  });
});

describe('codec rejections name the field path', () => {
  const withHcmConfig = (typedConfig: Record<string, unknown>): EnvoyResource => ({
    name: 'l',
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: typedConfig }] }],
  });

  it('rejects an unknown @type', () => {
    const bad = withHcmConfig({ '@type': 'type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope' });
    expect(() => encodeResource(TYPE_URLS.listener, bad)).toThrow(UnknownTypeError);
    expect(() => encodeResource(TYPE_URLS.listener, bad)).toThrow(/^filter_chains\[0\]\.filters\[0\]\.typed_config\.@type: /);
  });

  it('rejects an unknown field inside a typed config', () => {
    const bad = withHcmConfig({
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: 'x',
      http_filters: [{ name: 'r', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', dynamic_statz: true } }],
    });
    expect(() => encodeResource(TYPE_URLS.listener, bad)).toThrow(UnknownFieldError);
    expect(() => encodeResource(TYPE_URLS.listener, bad)).toThrow(
      /^filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[0\]\.typed_config\.dynamic_statz: unknown field for envoy\.extensions\.filters\.http\.router\.v3\.Router/,
    );
  });

  it('suggests the snake_case name for a camelCase key', () => {
    expect(() => encodeResource(TYPE_URLS.cluster, { name: 'c', connectTimeout: '1s' })).toThrow(
      "connectTimeout: unknown field for envoy.config.cluster.v3.Cluster (did you mean 'connect_timeout'?)",
    );
  });

  it.each([
    [{ name: 'c', lb_policy: 'ROUND_ROBIN_PLEASE' }, /^lb_policy: expected one of ROUND_ROBIN, LEAST_REQUEST/],
    [{ name: 'c', connect_timeout: '5 seconds' }, /^connect_timeout: expected a duration like "1.5s"/],
    [{ name: 'c', connect_timeout: 5 }, /^connect_timeout: expected a duration/],
    [{ name: 'c', per_connection_buffer_limit_bytes: -1 }, /^per_connection_buffer_limit_bytes: expected an integer in \[0, 4294967295\]/],
    [{ name: 'c', per_connection_buffer_limit_bytes: 'lots' }, /^per_connection_buffer_limit_bytes: expected an integer/],
    [{ name: 'c', type: 'EDS', cluster_type: { name: 'x' } }, /^cluster_type: 'type' and 'cluster_type' are both set/],
    [{ name: 'c', health_checks: {} }, /^health_checks: expected an array/],
    [{ name: 'c', metadata: { filter_metadata: { istio: 'flat' } } }, /^metadata\.filter_metadata\["istio"\]: expected an object \(Struct\)/],
    [{ name: 'c', transport_socket: { name: 't', typed_config: { sni: 'x' } } }, /^transport_socket\.typed_config\.@type: a typed config needs "@type"/],
    [{ name: 7 }, /^name: expected a string/],
  ])('rejects %j', (resource, message) => {
    expect(() => encodeResource(TYPE_URLS.cluster, resource)).toThrow(message);
  });

  it('rejects a resource of an unknown type URL and a mismatched "@type"', () => {
    expect(() => encodeResource('type.googleapis.com/envoy.config.nope.v3.Nope', { name: 'x' })).toThrow(UnknownTypeError);
    expect(() => encodeResource(TYPE_URLS.cluster, { '@type': TYPE_URLS.listener, name: 'x' })).toThrow(InvalidValueError);
    expect(roundTrip(TYPE_URLS.cluster, { '@type': TYPE_URLS.cluster, name: 'x' })).toEqual({ name: 'x' });
  });

  it('validateResource reports problems as values', () => {
    const unknown = validateResource(TYPE_URLS.cluster, { name: 'c', bogus: 1 });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.code).toBe('MESHKIT_XDS_UNKNOWN_FIELD');
    const nameless = validateResource(TYPE_URLS.endpoint, { endpoints: [] });
    expect(nameless.ok).toBe(false);
    if (!nameless.ok) expect(nameless.error.message).toMatch(/^cluster_name: /);
  });

  it('reports undecodable bytes', () => {
    expect(() => decodeResource(TYPE_URLS.cluster, Uint8Array.from([0x0a, 0xff]))).toThrow(/cannot decode envoy\.config\.cluster\.v3\.Cluster/);
  });
});

describe('time and struct edge cases', () => {
  it('round-trips timestamps and fractional/negative durations', () => {
    const secretWithTime = {
      name: 's',
      validation_context: { trusted_ca: { inline_string: 'x' }, crl: { filename: '/crl' } },
    };
    expect(roundTrip(TYPE_URLS.secret, secretWithTime)).toEqual(secretWithTime);
    const listener = {
      name: 'l',
      listener_filters_timeout: '0.000000001s',
      metadata: { typed_filter_metadata: { t: { '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '2024-02-29T23:59:59.25Z' } } },
    };
    expect(roundTrip(TYPE_URLS.listener, listener)).toEqual(listener);
  });
});
