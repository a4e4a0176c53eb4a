import { RouteConfigError, compileRouteConfig } from '@meshkit/router';
import type { HeaderMatcherInput, RouteInput, RouteMatchInput, RouteTable, VirtualHostInput } from '@meshkit/router';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';

/**
 * Envoy `RouteConfiguration` → a compiled `@meshkit/router` table. Throws on anything unsupported;
 * `origin` places a route config inline in a listener (or bootstrap) for the error message.
 */
export function translateRouteConfiguration(resource: unknown, origin?: FieldOrigin): { name: string; table: RouteTable } {
  const reader = FieldReader.resource('RouteConfiguration', resource, origin);
  reader.allowOnly('name', 'virtual_hosts', 'ignore_port_in_host_matching', 'validate_clusters');
  // Inline route configs may be unnamed, as in Envoy.
  const name = origin === undefined ? reader.string('name') : (reader.optionalString('name') ?? '');
  const virtualHosts = reader.children('virtual_hosts').map(translateVirtualHost);
  try {
    const table = compileRouteConfig({
      name,
      virtualHosts,
      ignorePortInHostMatching: reader.boolean('ignore_port_in_host_matching', false),
    });
    return { name, table };
  } catch (error) {
    if (!(error instanceof RouteConfigError)) throw error;
    return reader.fail(envoyFieldPath(error.field), error.problem, error);
  }
}

/** The router names its input fields in camelCase (`virtualHosts[0].routes[1].route.timeoutMs`); report Envoy's names. */
function envoyFieldPath(routerField: string): string {
  return routerField
    .replace(/^\./, '')
    .replace(/\btimeoutMs\b/g, 'timeout')
    .replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function translateVirtualHost(vh: FieldReader): VirtualHostInput {
  vh.allowOnly('name', 'domains', 'routes');
  return { name: vh.string('name'), domains: vh.strings('domains'), routes: vh.children('routes').map(translateRoute) };
}

function translateRoute(route: FieldReader): RouteInput {
  route.allowOnly('name', 'match', 'route', 'direct_response', 'decorator');
  const out: RouteInput = { match: translateMatch(route.child('match')) };
  const name = route.optionalString('name');
  if (name !== undefined) out.name = name;
  const action = route.optionalChild('route');
  if (action !== undefined) {
    action.allowOnly('cluster', 'weighted_clusters', 'prefix_rewrite', 'timeout', 'max_stream_duration', 'retry_policy');
    if (action.has('retry_policy') || action.has('max_stream_duration')) {
      // Istio emits these; until the resilience package lands they are refused rather than ignored.
      action.fail(action.has('retry_policy') ? 'retry_policy' : 'max_stream_duration', 'is not supported by this proxy yet');
    }
    out.route = {};
    const cluster = action.optionalString('cluster');
    if (cluster !== undefined) out.route.cluster = cluster;
    const weighted = action.optionalChild('weighted_clusters');
    if (weighted !== undefined) {
      weighted.allowOnly('clusters', 'total_weight');
      out.route.weightedClusters = {
        clusters: weighted.children('clusters').map((c) => {
          c.allowOnly('name', 'weight');
          return { name: c.string('name'), weight: c.number('weight') };
        }),
      };
    }
    const rewrite = action.optionalString('prefix_rewrite');
    if (rewrite !== undefined) out.route.prefixRewrite = rewrite;
    const timeout = action.durationMs('timeout');
    if (timeout !== undefined) out.route.timeoutMs = timeout;
  }
  const direct = route.optionalChild('direct_response');
  if (direct !== undefined) {
    direct.allowOnly('status', 'body');
    const body = direct.optionalChild('body')?.allowOnly('inline_string').optionalString('inline_string');
    out.directResponse = body === undefined ? { status: direct.number('status') } : { status: direct.number('status'), body };
  }
  return out;
}

function translateMatch(match: FieldReader): RouteMatchInput {
  match.allowOnly('prefix', 'path', 'safe_regex', 'case_sensitive', 'headers');
  const out: RouteMatchInput = {};
  const prefix = match.optionalString('prefix');
  if (prefix !== undefined) out.prefix = prefix;
  const path = match.optionalString('path');
  if (path !== undefined) out.path = path;
  const regex = match.optionalChild('safe_regex');
  if (regex !== undefined) out.safeRegex = { regex: regex.allowOnly('regex', 'google_re2').string('regex') };
  if (match.has('case_sensitive')) out.caseSensitive = match.boolean('case_sensitive', true);
  if (match.has('headers')) out.headers = match.children('headers').map(translateHeaderMatcher);
  return out;
}

function translateHeaderMatcher(header: FieldReader): HeaderMatcherInput {
  header.allowOnly('name', 'string_match', 'present_match', 'invert_match');
  const out: HeaderMatcherInput = { name: header.string('name') };
  const sm = header.optionalChild('string_match');
  if (sm !== undefined) {
    sm.allowOnly('exact', 'prefix', 'suffix', 'contains', 'safe_regex', 'ignore_case');
    const stringMatch: NonNullable<HeaderMatcherInput['stringMatch']> = {};
    for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
      const v = sm.optionalString(kind);
      if (v !== undefined) stringMatch[kind] = v;
    }
    const regex = sm.optionalChild('safe_regex');
    if (regex !== undefined) stringMatch.safeRegex = { regex: regex.allowOnly('regex', 'google_re2').string('regex') };
    if (sm.has('ignore_case')) stringMatch.ignoreCase = sm.boolean('ignore_case', false);
    out.stringMatch = stringMatch;
  }
  if (header.has('present_match')) out.presentMatch = header.boolean('present_match', false);
  if (header.has('invert_match')) out.invertMatch = header.boolean('invert_match', false);
  return out;
}
