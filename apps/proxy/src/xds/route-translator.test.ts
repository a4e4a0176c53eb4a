import { applyHeaderMutations, computeHashKey, redirectLocation, rewritePath, selectCluster } from '@meshkit/router';
import type { RouteRequest } from '@meshkit/router';
import { describe, expect, it } from 'vitest';
import { ResourceError } from '../errors.js';
import { translateRouteConfiguration } from './route-translator.js';

type Json = Record<string, unknown>;

function refusalOf(translate: () => unknown): string {
  try {
    translate();
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceError);
    return (error as Error).message;
  }
  throw new Error('the resource was accepted');
}

/** One route config `r` with one virtual host `v` for every domain, holding `routes`. */
function config(routes: Json[], vhost: Json = {}, top: Json = {}): Json {
  return { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes, ...vhost }], ...top };
}

function request(path: string, headers: RouteRequest['headers'] = {}, extra: Partial<RouteRequest> = {}): RouteRequest {
  return { authority: 'shop.test', path, method: 'GET', headers, ...extra };
}

function matched(resource: Json, req: RouteRequest = request('/')) {
  const found = translateRouteConfiguration(resource).table.match(req);
  if (found === null) throw new Error('no route matched');
  return found.route;
}

const toCluster = (extra: Json = {}, match: Json = { prefix: '/' }): Json => ({ match, route: { cluster: 'c', ...extra } });

describe('translateRouteConfiguration: header mutations', () => {
  it('translates all four lists at route config, virtual host and route level, in Envoy order (route first)', () => {
    const level = (name: string): Json => ({
      request_headers_to_add: [{ header: { key: 'x-level', value: name }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      request_headers_to_remove: [`x-drop-${name}`],
      response_headers_to_add: [{ header: { key: 'x-seen-by', value: name } }],
      response_headers_to_remove: ['server'],
    });
    const route = matched(config([{ ...toCluster(), ...level('route') }], level('vhost'), level('config')));
    expect(route.requestHeaderMutations.map((set) => set.level)).toEqual(['route', 'virtualHost', 'routeConfig']);
    // Overwrites at every level: the least specific (route config) is applied last and wins, as in Envoy by default.
    const sent = applyHeaderMutations({ 'x-drop-vhost': '1', 'x-keep': '1' }, route.requestHeaderMutations);
    expect(sent).toEqual({ 'x-keep': '1', 'x-level': 'config' });
    const answered = applyHeaderMutations({ server: 'app' }, route.responseHeaderMutations);
    expect(answered).toEqual({ 'x-seen-by': ['route', 'vhost', 'config'] });
  });

  it('applies the most specific level last with most_specific_header_mutations_wins', () => {
    const add = (value: string): Json => ({ request_headers_to_add: [{ header: { key: 'x-level', value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] });
    const route = matched(config([{ ...toCluster(), ...add('route') }], add('vhost'), { ...add('config'), most_specific_header_mutations_wins: true }));
    expect(applyHeaderMutations({}, route.requestHeaderMutations)).toEqual({ 'x-level': 'route' });
  });

  it('reads append_action by name or number, the deprecated append bool, and keep_empty_value', () => {
    const route = matched(
      config([
        {
          ...toCluster(),
          request_headers_to_add: [
            { header: { key: 'x-a', value: 'appended' } },
            { header: { key: 'x-b', value: 'ignored' }, append_action: 'ADD_IF_ABSENT' },
            { header: { key: 'x-c', value: 'replaced' }, append_action: 3 },
            { header: { key: 'x-d', value: 'added' }, append: false },
            { header: { key: 'x-e', value: 'appended' }, append: true },
            { header: { key: 'x-empty', value: '' }, keep_empty_value: true },
            { header: { key: 'x-dropped-empty' } },
          ],
        },
      ]),
    );
    const actions = route.requestHeaderMutations[0]?.headersToAdd.map((h) => [h.key, h.appendAction, h.keepEmptyValue]);
    expect(actions).toEqual([
      ['x-a', 'APPEND_IF_EXISTS_OR_ADD', false],
      ['x-b', 'ADD_IF_ABSENT', false],
      ['x-c', 'OVERWRITE_IF_EXISTS', false],
      ['x-d', 'OVERWRITE_IF_EXISTS_OR_ADD', false],
      ['x-e', 'APPEND_IF_EXISTS_OR_ADD', false],
      ['x-empty', 'APPEND_IF_EXISTS_OR_ADD', true],
      ['x-dropped-empty', 'APPEND_IF_EXISTS_OR_ADD', false],
    ]);
    const sent = applyHeaderMutations({ 'x-a': 'old', 'x-b': 'old', 'x-c': 'old', 'x-d': 'old', 'x-e': 'old' }, route.requestHeaderMutations);
    expect(sent).toEqual({ 'x-a': ['old', 'appended'], 'x-b': 'old', 'x-c': 'replaced', 'x-d': 'added', 'x-e': ['old', 'appended'], 'x-empty': '' });
  });

  it('reads %% as a literal percent and refuses %…% substitutions, append with append_action, and unknown actions', () => {
    const withValue = (header: Json, option: Json = {}) => config([{ ...toCluster(), request_headers_to_add: [{ header, ...option }] }]);
    const route = matched(withValue({ key: 'x-share', value: '50%%' }));
    expect(route.requestHeaderMutations[0]?.headersToAdd[0]?.value).toBe('50%');
    expect(refusalOf(() => translateRouteConfiguration(withValue({ key: 'x-peer', value: '%DOWNSTREAM_REMOTE_ADDRESS%' })))).toBe(
      "RouteConfiguration r: virtual_hosts[0].routes[0].request_headers_to_add[0].header.value: '%DOWNSTREAM_REMOTE_ADDRESS%': %…% substitutions are not supported by this proxy yet (write %% for a literal %)",
    );
    expect(refusalOf(() => translateRouteConfiguration(withValue({ key: 'x', value: 'v' }, { append: true, append_action: 'ADD_IF_ABSENT' })))).toBe(
      'RouteConfiguration r: virtual_hosts[0].routes[0].request_headers_to_add[0].append: cannot be set together with append_action',
    );
    expect(refusalOf(() => translateRouteConfiguration(withValue({ key: 'x', value: 'v' }, { append_action: 'PREPEND' })))).toContain(
      'request_headers_to_add[0].append_action: expected one of APPEND_IF_EXISTS_OR_ADD, ADD_IF_ABSENT, OVERWRITE_IF_EXISTS_OR_ADD, OVERWRITE_IF_EXISTS',
    );
    expect(refusalOf(() => translateRouteConfiguration(withValue({ key: 'x', raw_value: 'dg==' })))).toContain('request_headers_to_add[0].header.raw_value: is not supported by this proxy');
  });

  it("reports the router's refusal of pseudo-headers and Host under Envoy's field path", () => {
    const vhost = { response_headers_to_remove: ['x-ok'], request_headers_to_add: [{ header: { key: 'Host', value: 'x' } }] };
    expect(refusalOf(() => translateRouteConfiguration(config([toCluster()], vhost)))).toBe(
      "RouteConfiguration r: virtual_hosts[0].request_headers_to_add[0].header.key: 'host' cannot be added or removed by route configuration",
    );
    const route = { ...toCluster(), response_headers_to_remove: [':status'] };
    expect(refusalOf(() => translateRouteConfiguration(config([route])))).toContain('virtual_hosts[0].routes[0].response_headers_to_remove[0]:');
  });

  it("gives a weighted cluster its own lists, applied before the route's, and its cluster_header", () => {
    const route = matched(
      config([
        {
          match: { prefix: '/' },
          request_headers_to_add: [{ header: { key: 'x-from', value: 'route' } }],
          route: {
            weighted_clusters: {
              clusters: [
                { name: 'a', weight: 1, request_headers_to_add: [{ header: { key: 'x-from', value: 'a' } }], response_headers_to_remove: ['x-internal'] },
                { cluster_header: 'x-cluster', weight: 1 },
              ],
            },
          },
        },
      ]),
    );
    const a = selectCluster(route, request('/'), 0);
    expect(a?.cluster).toBe('a');
    expect(applyHeaderMutations({}, a?.requestHeaderMutations ?? [])).toEqual({ 'x-from': ['a', 'route'] });
    expect(a?.responseHeaderMutations[0]?.headersToRemove).toEqual(['x-internal']);
    expect(selectCluster(route, request('/', { 'x-cluster': 'b' }), 1)?.cluster).toBe('b');
    expect(selectCluster(route, request('/'), 1)).toBeNull();
  });
});

describe('translateRouteConfiguration: redirects', () => {
  const redirecting = (redirect: Json, match: Json = { prefix: '/' }) => matched(config([{ match, redirect }]), request('/old/page?q=1', { 'x-forwarded-proto': 'http' }));

  it("answers 301 by default and reads response_code by name or number", () => {
    expect(redirecting({ host_redirect: 'new.test' }).action).toEqual({ type: 'direct', status: 301, body: undefined });
    expect(redirecting({ host_redirect: 'new.test', response_code: 'FOUND' }).action).toMatchObject({ status: 302 });
    expect(redirecting({ host_redirect: 'new.test', response_code: 'SEE_OTHER' }).action).toMatchObject({ status: 303 });
    expect(redirecting({ host_redirect: 'new.test', response_code: 3 }).action).toMatchObject({ status: 307 });
    expect(redirecting({ host_redirect: 'new.test', response_code: 'PERMANENT_REDIRECT' }).action).toMatchObject({ status: 308 });
    expect(refusalOf(() => translateRouteConfiguration(config([{ match: { prefix: '/' }, redirect: { response_code: 'GONE' } }])))).toContain(
      'virtual_hosts[0].routes[0].redirect.response_code: expected one of MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT, PERMANENT_REDIRECT',
    );
  });

  it('builds the Location from every RedirectAction field', () => {
    const at = (redirect: Json, match?: Json) => {
      const route = redirecting(redirect, match);
      return redirectLocation(route, request('/old/page?q=1', { 'x-forwarded-proto': 'http' }));
    };
    expect(at({ https_redirect: true })).toBe('https://shop.test/old/page?q=1');
    expect(at({ scheme_redirect: 'https', host_redirect: 'new.test', port_redirect: 8443 })).toBe('https://new.test:8443/old/page?q=1');
    expect(at({ path_redirect: '/new', strip_query: true })).toBe('http://shop.test/new');
    expect(at({ prefix_rewrite: '/v2/' }, { prefix: '/old/' })).toBe('http://shop.test/v2/page?q=1');
    expect(at({ regex_rewrite: { pattern: { google_re2: {}, regex: '^/old/(.*)$' }, substitution: '/archive/\\1' } })).toBe('http://shop.test/archive/page?q=1');
  });

  it('refuses what Envoy refuses and fields it does not know', () => {
    expect(refusalOf(() => translateRouteConfiguration(config([{ match: { prefix: '/' }, redirect: { https_redirect: true, scheme_redirect: 'http' } }])))).toContain(
      'virtual_hosts[0].routes[0].redirect: at most one of httpsRedirect and schemeRedirect may be set; both are',
    );
    expect(refusalOf(() => translateRouteConfiguration(config([{ match: { prefix: '/' }, redirect: { port_redirect: 70000 } }])))).toContain('redirect.port_redirect: must be a port 0-65535');
    expect(refusalOf(() => translateRouteConfiguration(config([{ match: { prefix: '/' }, redirect: { host_redirect: 'a' }, route: { cluster: 'c' } }])))).toContain(
      'exactly one of route, redirect, directResponse is required',
    );
    expect(refusalOf(() => translateRouteConfiguration(config([{ match: { prefix: '/' }, redirect: { path_rewrite_policy: {} } }])))).toContain(
      'redirect.path_rewrite_policy: is not supported by this proxy',
    );
  });
});

describe('translateRouteConfiguration: route actions', () => {
  it('reads cluster_header, regex_rewrite and both host rewrites', () => {
    const byHeader = matched(config([{ match: { prefix: '/' }, route: { cluster_header: 'X-Target' } }]));
    expect(byHeader.action).toEqual({ type: 'cluster', cluster: '', clusterHeader: 'x-target' });
    const regex = matched(config([toCluster({ regex_rewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' } })]));
    expect(rewritePath(regex, '/service/foo/v1/api?x=1')).toBe('/v1/api/instance/foo?x=1');
    expect(matched(config([toCluster({ host_rewrite_literal: 'upstream.test' })])).hostRewrite).toEqual({ type: 'literal', host: 'upstream.test' });
    expect(matched(config([toCluster({ auto_host_rewrite: true })])).hostRewrite).toEqual({ type: 'auto' });
    expect(matched(config([toCluster({ auto_host_rewrite: false })])).hostRewrite).toBeUndefined();
    expect(refusalOf(() => translateRouteConfiguration(config([toCluster({ prefix_rewrite: '/', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } })])))).toContain(
      'at most one of prefixRewrite and regexRewrite may be set',
    );
  });

  it('reads every hash policy kind, terminal included, into the keys Envoy computes', () => {
    const route = matched(
      config([
        toCluster({
          hash_policy: [
            { header: { header_name: 'X-User' }, terminal: true },
            { cookie: { name: 'session', path: '/' } },
            { connection_properties: { source_ip: true } },
            { query_parameter: { name: 'shard' } },
            // Envoy builds no hash method for connection_properties without source_ip.
            { connection_properties: { source_ip: false } },
          ],
        }),
      ]),
    );
    expect(route.hashPolicy).toEqual([
      { type: 'header', headerName: 'x-user', terminal: true },
      { type: 'cookie', name: 'session', ttlMs: undefined, path: undefined, terminal: false },
      { type: 'sourceIp', terminal: false },
      { type: 'queryParameter', name: 'shard', terminal: false },
    ]);
    const alice = computeHashKey(route.hashPolicy, request('/', { 'x-user': 'alice' }));
    expect(alice).not.toBeNull();
    // Terminal: the header alone decides, whatever the other sources say.
    expect(computeHashKey(route.hashPolicy, request('/?shard=9', { 'x-user': 'alice', cookie: 'session=s1' }, { sourceIp: '10.0.0.1' }))).toBe(alice);
    expect(computeHashKey(route.hashPolicy, request('/?shard=9'))).not.toBeNull();
  });

  it('refuses a cookie TTL (the proxy would have to set the cookie) and empty names', () => {
    const withPolicy = (policy: Json) => config([toCluster({ hash_policy: [policy] })]);
    expect(refusalOf(() => translateRouteConfiguration(withPolicy({ cookie: { name: 's', ttl: '60s' } })))).toBe(
      'RouteConfiguration r: virtual_hosts[0].routes[0].route.hash_policy[0].cookie.ttl: is not supported by this proxy yet (generating the hash cookie)',
    );
    expect(refusalOf(() => translateRouteConfiguration(withPolicy({ header: { header_name: '' } })))).toContain('route.hash_policy[0].header.header_name: must not be empty');
    expect(refusalOf(() => translateRouteConfiguration(withPolicy({ filter_state: { key: 'k' } })))).toContain('route.hash_policy[0].filter_state: is not supported by this proxy');
    expect(refusalOf(() => translateRouteConfiguration(withPolicy({ header: { header_name: 'a' }, query_parameter: { name: 'b' } })))).toContain(
      'route.hash_policy[0]: exactly one of header, cookie, connectionProperties, queryParameter is required',
    );
  });

  it("reads Istio's retry policy, and a virtual host's one for routes without their own", () => {
    const istio: Json = {
      retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      num_retries: 2,
      per_try_timeout: '0.5s',
      per_try_idle_timeout: '0.25s',
      retry_back_off: { base_interval: '0.1s', max_interval: '2s' },
      retriable_status_codes: [503],
      retry_host_predicate: [
        { name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } },
      ],
      host_selection_retry_max_attempts: '5',
    };
    expect(matched(config([toCluster({ retry_policy: istio })])).retryPolicy).toEqual({
      retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'],
      numRetries: 2,
      perTryTimeoutMs: 500,
      perTryIdleTimeoutMs: 250,
      baseIntervalMs: 100,
      maxIntervalMs: 2000,
      retriableStatusCodes: [503],
      retriableHeaders: [],
      retriableRequestHeaders: [],
      avoidPreviousHosts: true,
      hostSelectionRetryMaxAttempts: 5,
    });
    const inherited = matched(config([toCluster()], { retry_policy: { retry_on: '5xx' } })).retryPolicy;
    expect(inherited).toMatchObject({ retryOn: ['5xx'], numRetries: 1, baseIntervalMs: 25, maxIntervalMs: 250, avoidPreviousHosts: false });
  });

  it("translates an outbound route config as istiod writes it", () => {
    const istioRetry = {
      retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      num_retries: 2,
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
      host_selection_retry_max_attempts: '5',
      retriable_status_codes: [503],
    };
    const istiod: Json = {
      name: '9080',
      virtual_hosts: [
        {
          name: 'reviews.default.svc.cluster.local:9080',
          domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews.default', '10.96.12.7'],
          routes: [
            {
              name: 'default',
              match: { prefix: '/' },
              route: {
                cluster: 'outbound|9080||reviews.default.svc.cluster.local',
                timeout: '0s',
                retry_policy: istioRetry,
                max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' },
              },
              decorator: { operation: 'reviews.default.svc.cluster.local:9080/*' },
              metadata: { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1/namespaces/default/virtual-service/reviews' } } },
            },
          ],
          include_request_attempt_count: true,
        },
        {
          name: 'allow_any',
          domains: ['*'],
          routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster', timeout: '0s', max_grpc_timeout: '0s' } }],
          include_request_attempt_count: true,
        },
      ],
      validate_clusters: false,
      max_direct_response_body_size_bytes: 1048576,
      ignore_port_in_host_matching: true,
    };
    const { table } = translateRouteConfiguration(istiod);
    const reviews = table.match(request('/reviews/1', {}, { authority: 'reviews:9080' }));
    expect(reviews?.virtualHost.includeRequestAttemptCount).toBe(true);
    expect(reviews?.route).toMatchObject({ timeoutMs: 0, maxStreamDuration: { maxStreamDurationMs: 0, grpcTimeoutHeaderMaxMs: 0 } });
    expect(reviews?.route.retryPolicy).toMatchObject({ numRetries: 2, retriableStatusCodes: [503], avoidPreviousHosts: true, hostSelectionRetryMaxAttempts: 5 });
    const passthrough = table.match(request('/', {}, { authority: 'example.com' }));
    expect(passthrough?.route).toMatchObject({ timeoutMs: 0, maxGrpcTimeoutMs: 0 });
  });

  it('refuses a direct response body over max_direct_response_body_size_bytes (4096 by default)', () => {
    const direct = (body: string, top: Json = {}): Json => config([{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: body } } }], {}, top);
    expect(() => translateRouteConfiguration(direct('x'.repeat(4096)))).not.toThrow();
    expect(refusalOf(() => translateRouteConfiguration(direct('x'.repeat(4097))))).toContain(
      'virtual_hosts[0].routes[0].direct_response.body.inline_string: is 4097 bytes, more than max_direct_response_body_size_bytes (4096)',
    );
    expect(() => translateRouteConfiguration(direct('x'.repeat(5000), { max_direct_response_body_size_bytes: 8192 }))).not.toThrow();
  });

  it("reads max_stream_duration as Istio writes it, and refuses fields it does not know", () => {
    const istio = matched(config([toCluster({ max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } })]));
    expect(istio.maxStreamDuration).toEqual({ maxStreamDurationMs: 0, grpcTimeoutHeaderMaxMs: 0 });
    const capped = matched(config([toCluster({ max_stream_duration: { max_stream_duration: '30s', grpc_timeout_header_max: '5s', grpc_timeout_header_offset: '0.05s' } })]));
    expect(capped.maxStreamDuration).toEqual({ maxStreamDurationMs: 30_000, grpcTimeoutHeaderMaxMs: 5000, grpcTimeoutHeaderOffsetMs: 50 });
    expect(refusalOf(() => translateRouteConfiguration(config([toCluster({ max_stream_duration: { max_stream_duration: '1m' } })])))).toContain(
      'virtual_hosts[0].routes[0].route.max_stream_duration.max_stream_duration: expected a non-negative duration',
    );
    expect(refusalOf(() => translateRouteConfiguration(config([toCluster({ max_stream_duration: { idle: '1s' } })])))).toContain(
      'route.max_stream_duration.idle: is not supported by this proxy',
    );
  });

  it('refuses a retry policy it cannot honour, by field path', () => {
    const retry = (policy: Json): Json => config([toCluster({ retry_policy: policy })]);
    const at = 'virtual_hosts[0].routes[0].route.retry_policy';
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx,sometimes' })))).toContain(`${at}.retry_on: unknown retry condition 'sometimes'`);
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', retry_back_off: { base_interval: '0s' } })))).toContain(`${at}.retry_back_off.base_interval: must be greater than 0`);
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', retry_back_off: { base_interval: '1s', max_interval: '0.5s' } })))).toContain(
      `${at}.retry_back_off.max_interval: must be at least`,
    );
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', retriable_status_codes: [503, 700] })))).toContain(`${at}.retriable_status_codes[1]: must be an HTTP status`);
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', num_retries: -1 })))).toContain(`${at}.num_retries: must be an integer`);
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', retry_host_predicate: [{ name: 'envoy.retry_host_predicates.omit_canary_hosts' }] })))).toContain(
      `${at}.retry_host_predicate[0].name: envoy.retry_host_predicates.omit_canary_hosts is not supported (only envoy.retry_host_predicates.previous_hosts is)`,
    );
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', retry_priority: { name: 'x' } })))).toContain(`${at}.retry_priority: is not supported by this proxy yet`);
    const rateLimited = matched(config([toCluster({ retry_policy: { retry_on: 'retriable-status-codes', retriable_status_codes: [429], rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After' }, { name: 'X-RateLimit-Reset', format: 'UNIX_TIMESTAMP' }] } } })]));
    expect(rateLimited.retryPolicy?.rateLimitedBackOff).toEqual({
      resetHeaders: [
        { name: 'retry-after', format: 'SECONDS' },
        { name: 'x-ratelimit-reset', format: 'UNIX_TIMESTAMP' },
      ],
      maxIntervalMs: 300_000,
    });
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: '5xx', rate_limited_retry_back_off: { reset_headers: [] } })))).toContain(
      `${at}.rate_limited_retry_back_off.reset_headers: must name at least one header`,
    );
    expect(refusalOf(() => translateRouteConfiguration(retry({ retry_on: 'retriable-headers', retriable_headers: [{ name: '' }] })))).toContain(
      `${at}.retriable_headers[0].name: header name must not be empty`,
    );
  });

  it('keeps refusing the policies the proxy has no runtime for, by field path', () => {
    const cases: [Json, string][] = [
      [config([toCluster({ retry_policy: { retry_on: '5xx', retry_options_predicates: [] } })]), 'virtual_hosts[0].routes[0].route.retry_policy.retry_options_predicates: is not supported by this proxy yet'],
      [config([toCluster({ request_mirror_policies: [{ cluster: 'm' }] })]), 'virtual_hosts[0].routes[0].route.request_mirror_policies: is not supported by this proxy yet (there is no request mirroring)'],
      [config([toCluster({ cors: {} })]), 'virtual_hosts[0].routes[0].route.cors: is not supported by this proxy yet (there is no CORS filter to enforce it)'],
      [config([toCluster()], { require_tls: 'ALL' }), 'virtual_hosts[0].require_tls: is not supported by this proxy yet (the router has no per-virtual-host TLS requirement)'],
      [config([toCluster()], { retry_policy: { retry_priority: { name: 'envoy.retry_priorities.previous_priorities' } } }), "virtual_hosts[0].retry_policy.retry_priority: is not supported by this proxy yet (retries use the cluster's own priority load)"],
      [config([toCluster()], { cors: {} }), 'virtual_hosts[0].cors: is not supported by this proxy yet (there is no CORS filter to enforce it)'],
      [config([toCluster({ cluster_not_found_response_code: 'NOT_FOUND' })]), 'virtual_hosts[0].routes[0].route.cluster_not_found_response_code: is not supported by this proxy'],
      [config([{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 1, host_rewrite_literal: 'h' }] } } }]), 'virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].host_rewrite_literal: is not supported by this proxy'],
    ];
    for (const [resource, message] of cases) expect(refusalOf(() => translateRouteConfiguration(resource))).toBe(`RouteConfiguration r: ${message}`);
  });
});

describe('translateRouteConfiguration: matchers', () => {
  it('reads query_parameters, grpc and path_separated_prefix', () => {
    const { table } = translateRouteConfiguration(
      config([
        { match: { prefix: '/', grpc: {} }, route: { cluster: 'grpc' } },
        { match: { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }, { name: 'v', string_match: { exact: '2' } }] }, route: { cluster: 'debug' } },
        { match: { path_separated_prefix: '/api' }, route: { cluster: 'api' } },
        toCluster(),
      ]),
    );
    const clusterOf = (req: RouteRequest) => (table.match(req)?.route.action as { cluster?: string } | undefined)?.cluster;
    expect(clusterOf(request('/x', { 'content-type': 'application/grpc+proto' }))).toBe('grpc');
    expect(clusterOf(request('/x?debug&v=2'))).toBe('debug');
    expect(clusterOf(request('/x?debug&v=3'))).toBe('c');
    expect(clusterOf(request('/api/users'))).toBe('api');
    expect(clusterOf(request('/apis'))).toBe('c');
  });

  it('reads runtime_fraction with its denominator by name or number', () => {
    const { table } = translateRouteConfiguration(
      config([
        { match: { prefix: '/', runtime_fraction: { default_value: { numerator: 1, denominator: 1 } } }, route: { cluster: 'tiny' } },
        { match: { prefix: '/', runtime_fraction: { default_value: { numerator: 25, denominator: 'HUNDRED' }, runtime_key: 'canary' } }, route: { cluster: 'canary' } },
        toCluster(),
      ]),
    );
    const clusterOf = (random: number) => (table.match(request('/', {}, { random }))?.route.action as { cluster?: string } | undefined)?.cluster;
    expect(clusterOf(24)).toBe('canary');
    expect(clusterOf(25)).toBe('c');
    expect(clusterOf(10_000)).toBe('tiny'); // 10 000 % 10 000 = 0 < 1
    expect(refusalOf(() => translateRouteConfiguration(config([{ match: { prefix: '/', runtime_fraction: { default_value: { numerator: 1, denominator: 'BILLION' } } }, route: { cluster: 'c' } }])))).toContain(
      'match.runtime_fraction.default_value.denominator: expected one of HUNDRED, TEN_THOUSAND, MILLION',
    );
  });

  it('reads range_match and treat_missing_header_as_empty', () => {
    const { table } = translateRouteConfiguration(
      config([
        { match: { prefix: '/', headers: [{ name: 'x-version', range_match: { start: '2', end: '5' } }] }, route: { cluster: 'range' } },
        { match: { prefix: '/', headers: [{ name: 'x-flag', string_match: { exact: '' }, treat_missing_header_as_empty: true }] }, route: { cluster: 'empty' } },
        toCluster(),
      ]),
    );
    const clusterOf = (headers: RouteRequest['headers']) => (table.match(request('/', headers))?.route.action as { cluster?: string } | undefined)?.cluster;
    expect(clusterOf({ 'x-version': '4', 'x-flag': 'on' })).toBe('range');
    expect(clusterOf({ 'x-version': '5', 'x-flag': 'on' })).toBe('c');
    expect(clusterOf({ 'x-version': '5' })).toBe('empty');
  });
});
