import { Buffer } from 'node:buffer';
import { RouteConfigError, compileRouteConfig } from '@meshkit/router';
import type {
  HashPolicyInput,
  HeaderAppendAction,
  HeaderMutationInput,
  HeaderValueOptionInput,
  MaxStreamDurationInput,
  QueryParameterMatcherInput,
  RedirectInput,
  RouteActionInput,
  RouteInput,
  RouteMatchInput,
  RouteTable,
  RuntimeFractionInput,
  VirtualHostInput,
  WeightedClusterInput,
} from '@meshkit/router';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';
import { optionalInteger } from './cluster-values.js';
import { translateHeaderMatcher, translateStringMatch } from './header-matcher-translator.js';
import { translateRetryPolicy } from './route-retry-policy.js';

const HEADER_MUTATION_FIELDS = ['request_headers_to_add', 'request_headers_to_remove', 'response_headers_to_add', 'response_headers_to_remove'];

// Envoy fields the proxy knows but has no runtime for: refused by name, with why, rather than
// accepted and silently ignored.
const NOT_YET: Readonly<Record<string, string>> = {
  request_mirror_policies: 'is not supported by this proxy yet (there is no request mirroring)',
  cors: 'is not supported by this proxy yet (there is no CORS filter to enforce it)',
  require_tls: 'is not supported by this proxy yet (the router has no per-virtual-host TLS requirement)',
};

/**
 * Envoy `RouteConfiguration` → a compiled `@meshkit/router` table. Throws on anything unsupported;
 * `origin` places a route config inline in a listener (or bootstrap) for the error message.
 */
export function translateRouteConfiguration(resource: unknown, origin?: FieldOrigin, knownClusters?: ReadonlySet<string>): { name: string; table: RouteTable } {
  const reader = FieldReader.resource('RouteConfiguration', resource, origin);
  // Envoy's default: inline route tables are checked against the clusters, RDS ones only when asked.
  if (reader.boolean('validate_clusters', origin !== undefined) && knownClusters !== undefined) checkClustersExist(reader, knownClusters);
  reader.allowOnly(
    'name', 'virtual_hosts', 'ignore_port_in_host_matching', 'validate_clusters', 'most_specific_header_mutations_wins',
    'max_direct_response_body_size_bytes', ...HEADER_MUTATION_FIELDS,
  );
  checkDirectResponseSizes(reader, optionalInteger(reader, 'max_direct_response_body_size_bytes', 0) ?? DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES);
  // Inline route configs may be unnamed, as in Envoy.
  const name = origin === undefined ? reader.string('name') : (reader.optionalString('name') ?? '');
  const virtualHosts = reader.children('virtual_hosts').map(translateVirtualHost);
  try {
    const table = compileRouteConfig({
      name,
      virtualHosts,
      ignorePortInHostMatching: reader.boolean('ignore_port_in_host_matching', false),
      mostSpecificHeaderMutationsWins: reader.boolean('most_specific_header_mutations_wins', false),
      ...translateHeaderMutations(reader),
    });
    return { name, table };
  } catch (error) {
    if (!(error instanceof RouteConfigError)) throw error;
    return reader.fail(envoyFieldPath(error.field), error.problem, error);
  }
}

/** `validate_clusters`: every cluster a route names (directly or weighted) must exist, or the table is refused. */
function checkClustersExist(config: FieldReader, clusters: ReadonlySet<string>): void {
  const check = (reader: FieldReader, field: string): void => {
    const name = reader.optionalString(field);
    if (name !== undefined && !clusters.has(name)) reader.fail(field, `names cluster '${name}', which does not exist (validate_clusters)`);
  };
  for (const vh of config.children('virtual_hosts')) {
    for (const route of vh.children('routes')) {
      const action = route.optionalChild('route');
      if (action === undefined) continue;
      check(action, 'cluster');
      for (const weighted of action.optionalChild('weighted_clusters')?.children('clusters') ?? []) check(weighted, 'name');
    }
  }
}

/** The router names its input fields in camelCase (`virtualHosts[0].routes[1].route.timeoutMs`); report Envoy's names. */
function envoyFieldPath(routerField: string): string {
  return routerField
    .replace(/^\./, '')
    // The router's durations carry a unit (timeoutMs, perTryTimeoutMs, baseIntervalMs); Envoy's don't.
    .replace(/Ms\b/g, '')
    .replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Envoy's default for `max_direct_response_body_size_bytes`. */
const DEFAULT_MAX_DIRECT_RESPONSE_BODY_BYTES = 4096;

/** A direct response body larger than the route config allows refuses the table, as in Envoy. */
function checkDirectResponseSizes(config: FieldReader, maxBytes: number): void {
  for (const vh of config.children('virtual_hosts')) {
    for (const route of vh.children('routes')) {
      const body = route.optionalChild('direct_response')?.optionalChild('body');
      const text = body?.value['inline_string'];
      const bytes = typeof text === 'string' ? Buffer.byteLength(text) : 0;
      if (body !== undefined && bytes > maxBytes) body.fail('inline_string', `is ${bytes} bytes, more than max_direct_response_body_size_bytes (${maxBytes})`);
    }
  }
}

function refuseNotYet(reader: FieldReader, ...fields: string[]): void {
  for (const field of fields) if (reader.has(field)) reader.fail(field, NOT_YET[field] ?? 'is not supported by this proxy yet');
}

/** An Envoy enum in proto JSON: its name, or its number (index into `names`). */
function enumName<T extends string>(reader: FieldReader, field: string, names: readonly T[]): T | undefined {
  const value = reader.value[field];
  if (value === undefined || value === null) return undefined;
  const name = typeof value === 'number' ? names[value] : value;
  if (typeof name !== 'string' || !names.includes(name as T)) reader.fail(field, `expected one of ${names.join(', ')}`);
  return name as T;
}

function translateVirtualHost(vh: FieldReader): VirtualHostInput {
  refuseNotYet(vh, 'require_tls', 'cors');
  vh.allowOnly('name', 'domains', 'routes', 'retry_policy', 'include_request_attempt_count', 'include_attempt_count_in_response', ...HEADER_MUTATION_FIELDS);
  const out: VirtualHostInput = {
    name: vh.string('name'),
    domains: vh.strings('domains'),
    routes: vh.children('routes').map(translateRoute),
    includeRequestAttemptCount: vh.boolean('include_request_attempt_count', false),
    includeAttemptCountInResponse: vh.boolean('include_attempt_count_in_response', false),
    ...translateHeaderMutations(vh),
  };
  const retry = vh.optionalChild('retry_policy');
  if (retry !== undefined) out.retryPolicy = translateRetryPolicy(retry);
  return out;
}

function translateRoute(route: FieldReader): RouteInput {
  // `metadata` is data for filters and logs (Istio names the VirtualService there); it does nothing itself.
  route.allowOnly('name', 'match', 'route', 'redirect', 'direct_response', 'decorator', 'metadata', ...HEADER_MUTATION_FIELDS);
  const out: RouteInput = { match: translateMatch(route.child('match')), ...translateHeaderMutations(route) };
  const name = route.optionalString('name');
  if (name !== undefined) out.name = name;
  const action = route.optionalChild('route');
  if (action !== undefined) out.route = translateRouteAction(action);
  const redirect = route.optionalChild('redirect');
  if (redirect !== undefined) out.redirect = translateRedirect(redirect);
  const direct = route.optionalChild('direct_response');
  if (direct !== undefined) {
    direct.allowOnly('status', 'body');
    const body = direct.optionalChild('body')?.allowOnly('inline_string').optionalString('inline_string');
    out.directResponse = body === undefined ? { status: direct.number('status') } : { status: direct.number('status'), body };
  }
  return out;
}

function translateRouteAction(action: FieldReader): RouteActionInput {
  refuseNotYet(action, 'request_mirror_policies', 'cors');
  action.allowOnly(
    'cluster', 'cluster_header', 'weighted_clusters', 'prefix_rewrite', 'regex_rewrite',
    'host_rewrite_literal', 'auto_host_rewrite', 'timeout', 'hash_policy', 'retry_policy', 'max_stream_duration',
    'max_grpc_timeout', 'grpc_timeout_offset', 'idle_timeout',
  );
  const out: RouteActionInput = {};
  const cluster = action.optionalString('cluster');
  if (cluster !== undefined) out.cluster = cluster;
  const clusterHeader = action.optionalString('cluster_header');
  if (clusterHeader !== undefined) out.clusterHeader = clusterHeader;
  const weighted = action.optionalChild('weighted_clusters');
  if (weighted !== undefined) {
    weighted.allowOnly('clusters', 'total_weight');
    const clusters = weighted.children('clusters').map(translateWeightedCluster);
    const total = weighted.optionalNumber('total_weight');
    const sum = clusters.reduce((weights, c) => weights + c.weight, 0);
    // Envoy's (deprecated) check: when given, the weights must add up to it.
    if (total !== undefined && total !== sum) weighted.fail('total_weight', `is ${total}, but the cluster weights add up to ${sum}`);
    out.weightedClusters = { clusters };
  }
  const rewrite = action.optionalString('prefix_rewrite');
  if (rewrite !== undefined) out.prefixRewrite = rewrite;
  const regexRewrite = action.optionalChild('regex_rewrite');
  if (regexRewrite !== undefined) out.regexRewrite = translateRegexRewrite(regexRewrite);
  const host = action.optionalString('host_rewrite_literal');
  if (host !== undefined) out.hostRewriteLiteral = host;
  if (action.has('auto_host_rewrite')) out.autoHostRewrite = action.boolean('auto_host_rewrite', false);
  const timeout = action.durationMs('timeout');
  if (timeout !== undefined) out.timeoutMs = timeout;
  const idleTimeout = action.durationMs('idle_timeout');
  if (idleTimeout !== undefined) out.idleTimeoutMs = idleTimeout;
  if (action.has('hash_policy')) out.hashPolicy = action.children('hash_policy').flatMap(translateHashPolicy);
  const retry = action.optionalChild('retry_policy');
  if (retry !== undefined) out.retryPolicy = translateRetryPolicy(retry);
  const maxGrpcTimeout = action.durationMs('max_grpc_timeout');
  if (maxGrpcTimeout !== undefined) out.maxGrpcTimeoutMs = maxGrpcTimeout;
  const grpcTimeoutOffset = action.durationMs('grpc_timeout_offset');
  if (grpcTimeoutOffset !== undefined) out.grpcTimeoutOffsetMs = grpcTimeoutOffset;
  const duration = action.optionalChild('max_stream_duration');
  if (duration !== undefined) out.maxStreamDuration = translateMaxStreamDuration(duration);
  return out;
}

/** Envoy's RouteAction.MaxStreamDuration (Istio sets `grpc_timeout_header_max: 0s` on its routes). */
function translateMaxStreamDuration(duration: FieldReader): MaxStreamDurationInput {
  duration.allowOnly('max_stream_duration', 'grpc_timeout_header_max', 'grpc_timeout_header_offset');
  const out: MaxStreamDurationInput = {};
  const max = duration.durationMs('max_stream_duration');
  if (max !== undefined) out.maxStreamDurationMs = max;
  const grpcMax = duration.durationMs('grpc_timeout_header_max');
  if (grpcMax !== undefined) out.grpcTimeoutHeaderMaxMs = grpcMax;
  const offset = duration.durationMs('grpc_timeout_header_offset');
  if (offset !== undefined) out.grpcTimeoutHeaderOffsetMs = offset;
  return out;
}

function translateWeightedCluster(c: FieldReader): WeightedClusterInput {
  c.allowOnly('name', 'cluster_header', 'weight', ...HEADER_MUTATION_FIELDS);
  const out: WeightedClusterInput = { weight: c.number('weight'), ...translateHeaderMutations(c) };
  const name = c.optionalString('name');
  if (name !== undefined) out.name = name;
  const header = c.optionalString('cluster_header');
  if (header !== undefined) out.clusterHeader = header;
  return out;
}

function translateRegexRewrite(rewrite: FieldReader): { pattern: { regex: string }; substitution: string } {
  rewrite.allowOnly('pattern', 'substitution');
  const regex = rewrite.child('pattern').allowOnly('regex', 'google_re2').string('regex');
  return { pattern: { regex }, substitution: rewrite.optionalString('substitution') ?? '' };
}

/** One Envoy HashPolicy; none for `connection_properties` without `source_ip`, which Envoy ignores. */
function translateHashPolicy(policy: FieldReader): HashPolicyInput[] {
  policy.allowOnly('header', 'cookie', 'connection_properties', 'query_parameter', 'terminal');
  const out: HashPolicyInput = {};
  if (policy.has('terminal')) out.terminal = policy.boolean('terminal', false);
  // Names are checked here so the router's own checks never see an index shifted by a skipped policy.
  const nonEmpty = (reader: FieldReader, field: string): string => {
    const value = reader.string(field);
    return value.length > 0 ? value : reader.fail(field, 'must not be empty');
  };
  const header = policy.optionalChild('header');
  if (header !== undefined) out.header = { headerName: nonEmpty(header.allowOnly('header_name'), 'header_name') };
  const cookie = policy.optionalChild('cookie');
  if (cookie !== undefined) {
    // With a TTL Envoy sets the cookie on the response when it is missing; nothing here does that.
    if (cookie.has('ttl')) cookie.fail('ttl', 'is not supported by this proxy yet (generating the hash cookie)');
    cookie.allowOnly('name', 'path');
    out.cookie = { name: nonEmpty(cookie, 'name') };
  }
  const connection = policy.optionalChild('connection_properties');
  if (connection !== undefined) {
    const sourceIp = connection.allowOnly('source_ip').boolean('source_ip', false);
    if (!sourceIp && header === undefined && cookie === undefined && !policy.has('query_parameter')) return [];
    out.connectionProperties = { sourceIp };
  }
  const query = policy.optionalChild('query_parameter');
  if (query !== undefined) out.queryParameter = { name: nonEmpty(query.allowOnly('name'), 'name') };
  return [out];
}

const REDIRECT_CODES = ['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT'] as const;

function translateRedirect(redirect: FieldReader): RedirectInput {
  redirect.allowOnly(
    'https_redirect', 'scheme_redirect', 'host_redirect', 'port_redirect', 'path_redirect',
    'prefix_rewrite', 'regex_rewrite', 'response_code', 'strip_query',
  );
  const out: RedirectInput = {};
  if (redirect.has('https_redirect')) out.httpsRedirect = redirect.boolean('https_redirect', false);
  for (const [field, key] of [['scheme_redirect', 'schemeRedirect'], ['host_redirect', 'hostRedirect'], ['path_redirect', 'pathRedirect'], ['prefix_rewrite', 'prefixRewrite']] as const) {
    const value = redirect.optionalString(field);
    if (value !== undefined) out[key] = value;
  }
  const port = redirect.optionalNumber('port_redirect');
  if (port !== undefined) out.portRedirect = port;
  const regexRewrite = redirect.optionalChild('regex_rewrite');
  if (regexRewrite !== undefined) out.regexRewrite = translateRegexRewrite(regexRewrite);
  const code = enumName(redirect, 'response_code', REDIRECT_CODES);
  if (code !== undefined) out.responseCode = code;
  if (redirect.has('strip_query')) out.stripQuery = redirect.boolean('strip_query', false);
  return out;
}

const APPEND_ACTIONS: readonly HeaderAppendAction[] = ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'];

/** The four header mutation lists a route config, virtual host, route or weighted cluster may carry. */
function translateHeaderMutations(reader: FieldReader): HeaderMutationInput {
  const out: HeaderMutationInput = {};
  if (reader.has('request_headers_to_add')) out.requestHeadersToAdd = reader.children('request_headers_to_add').map(translateHeaderValueOption);
  if (reader.has('request_headers_to_remove')) out.requestHeadersToRemove = reader.strings('request_headers_to_remove');
  if (reader.has('response_headers_to_add')) out.responseHeadersToAdd = reader.children('response_headers_to_add').map(translateHeaderValueOption);
  if (reader.has('response_headers_to_remove')) out.responseHeadersToRemove = reader.strings('response_headers_to_remove');
  return out;
}

function translateHeaderValueOption(option: FieldReader): HeaderValueOptionInput {
  option.allowOnly('header', 'append', 'append_action', 'keep_empty_value');
  const header = option.child('header').allowOnly('key', 'value');
  const out: HeaderValueOptionInput = { header: { key: header.string('key'), value: literalHeaderValue(header) } };
  if (option.has('append') && option.has('append_action')) option.fail('append', 'cannot be set together with append_action');
  // The deprecated `append` bool: true appends (the default), false overwrites.
  if (option.has('append')) out.appendAction = option.boolean('append', true) ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  const action = enumName(option, 'append_action', APPEND_ACTIONS);
  if (action !== undefined) out.appendAction = action;
  if (option.has('keep_empty_value')) out.keepEmptyValue = option.boolean('keep_empty_value', false);
  return out;
}

/**
 * A header value as Envoy's formatter reads it: `%%` is a literal `%`; any other `%` starts a
 * substitution (`%DOWNSTREAM_REMOTE_ADDRESS%`), which this proxy does not expand, so it is refused
 * rather than sent upstream verbatim.
 */
function literalHeaderValue(header: FieldReader): string {
  const value = header.optionalString('value') ?? '';
  if (!value.includes('%')) return value;
  return value.replace(/%%|%/g, (found) => (found === '%%' ? '%' : header.fail('value', `'${value}': %…% substitutions are not supported by this proxy yet (write %% for a literal %)`)));
}

function translateMatch(match: FieldReader): RouteMatchInput {
  match.allowOnly('prefix', 'path', 'safe_regex', 'path_separated_prefix', 'case_sensitive', 'headers', 'query_parameters', 'grpc', 'runtime_fraction');
  const out: RouteMatchInput = {};
  const prefix = match.optionalString('prefix');
  if (prefix !== undefined) out.prefix = prefix;
  const path = match.optionalString('path');
  if (path !== undefined) out.path = path;
  const separated = match.optionalString('path_separated_prefix');
  if (separated !== undefined) out.pathSeparatedPrefix = separated;
  const regex = match.optionalChild('safe_regex');
  if (regex !== undefined) out.safeRegex = { regex: regex.allowOnly('regex', 'google_re2').string('regex') };
  if (match.has('case_sensitive')) out.caseSensitive = match.boolean('case_sensitive', true);
  if (match.has('headers')) out.headers = match.children('headers').map(translateHeaderMatcher);
  if (match.has('query_parameters')) out.queryParameters = match.children('query_parameters').map(translateQueryParameterMatcher);
  if (match.has('grpc')) {
    match.child('grpc').allowOnly();
    out.grpc = {};
  }
  const fraction = match.optionalChild('runtime_fraction');
  if (fraction !== undefined) out.runtimeFraction = translateRuntimeFraction(fraction);
  return out;
}

function translateQueryParameterMatcher(parameter: FieldReader): QueryParameterMatcherInput {
  parameter.allowOnly('name', 'string_match', 'present_match');
  const out: QueryParameterMatcherInput = { name: parameter.string('name') };
  const sm = parameter.optionalChild('string_match');
  if (sm !== undefined) out.stringMatch = translateStringMatch(sm);
  if (parameter.has('present_match')) out.presentMatch = parameter.boolean('present_match', false);
  return out;
}

const DENOMINATORS = ['HUNDRED', 'TEN_THOUSAND', 'MILLION'] as const;

function translateRuntimeFraction(fraction: FieldReader): RuntimeFractionInput {
  fraction.allowOnly('default_value', 'runtime_key');
  const value = fraction.child('default_value').allowOnly('numerator', 'denominator');
  const out: RuntimeFractionInput = { defaultValue: { numerator: value.optionalNumber('numerator') ?? 0 } };
  const denominator = enumName(value, 'denominator', DENOMINATORS);
  if (denominator !== undefined) out.defaultValue.denominator = denominator;
  const key = fraction.optionalString('runtime_key');
  if (key !== undefined) out.runtimeKey = key;
  return out;
}
