import { toAsciiLowerCase } from './ascii.js';
import { CompiledRouteTable, RouteEntry, VirtualHostEntry } from './compiled-route-table.js';
import { GrpcMatcher, RuntimeFractionMatcher } from './condition-matchers.js';
import { parseDomainPattern } from './domain-pattern.js';
import { RouteConfigError } from './errors.js';
import { compileHeaderMatcher } from './header-matcher.js';
import { compileHeaderMutations } from './header-mutation.js';
import { compilePathMatcher } from './path-matcher.js';
import { compileQueryParameterMatcher } from './query-parameter-matcher.js';
import type { RequestMatcher } from './request-matcher.js';
import { compileRouteAction } from './route-action.js';
import type { RouteConfigInput, RouteInput, VirtualHostInput } from './route-config-input.js';
import type { CorsPolicy, HeaderMutationSet, RetryPolicy } from './route-policies.js';
import { compileCorsPolicy, compileRetryPolicy } from './route-policy-compilers.js';
import type { RouteTable, WeightedCluster } from './route-table.js';
import { compileRuntimeFraction } from './runtime-fraction.js';
import type { MatcherProblem } from './string-matcher.js';
import { VirtualHostIndex } from './virtual-host-index.js';
import type { PortMatching } from './virtual-host-index.js';

/** Knobs for measuring and proving the compiled table; not part of the public API. */
export interface CompileOptions {
  /** File routes in a path index (default). Off, matching is the plain declared-order scan. */
  indexRoutes?: boolean;
}

/**
 * Validates a route configuration and compiles it into an immutable table for `match`: regexes
 * compiled, domains lower-cased and indexed, routes filed by path, header chains ordered.
 * Throws `RouteConfigError` naming the first offending field; the whole configuration is
 * refused, so a caller keeps its last good table.
 */
export function compileRouteConfig(input: RouteConfigInput): RouteTable {
  return compileRouteTable(input, {});
}

type Fail = (field: string, problem: string, cause?: unknown) => never;

/** Header chains of the enclosing levels, already compiled. */
interface Enclosing {
  request: readonly (HeaderMutationSet | undefined)[];
  response: readonly (HeaderMutationSet | undefined)[];
  mostSpecificWins: boolean;
  retryPolicy: RetryPolicy | undefined;
  cors: CorsPolicy | undefined;
}

export function compileRouteTable(input: RouteConfigInput, options: CompileOptions): RouteTable {
  const configName = input.name;
  const fail: Fail = (field, problem, cause) => {
    throw new RouteConfigError(configName, field, problem, cause === undefined ? undefined : { cause });
  };
  const orFail = <T extends { ok: true }>(result: T | MatcherProblem, base: string): T => {
    if (!result.ok) return fail((base + result.field).replace(/^\./, ''), result.problem, result.cause);
    return result;
  };
  if (input.stripAnyHostPort === true && input.stripMatchingHostPort === true) {
    fail('stripMatchingHostPort', 'at most one of stripAnyHostPort and stripMatchingHostPort may be set; both are');
  }
  const portMatching: PortMatching =
    input.ignorePortInHostMatching === true || input.stripAnyHostPort === true ? 'ignore' : input.stripMatchingHostPort === true ? 'stripMatching' : 'match';
  const index = new VirtualHostIndex<VirtualHostEntry>(portMatching);
  const configMutations = orFail(compileHeaderMutations(input, 'routeConfig'), '');
  // Where each lower-cased domain was first declared, to name it in a duplicate's error.
  const declaredAt = new Map<string, { virtualHost: string; field: string }>();

  const virtualHosts = input.virtualHosts.map((hostInput, h) => {
    const hostField = `virtualHosts[${h}]`;
    if (hostInput.name.length === 0) fail(`${hostField}.name`, 'virtual host name must not be empty');
    const hostMutations = orFail(compileHeaderMutations(hostInput, 'virtualHost'), hostField);
    const enclosing: Enclosing = {
      request: [hostMutations.request, configMutations.request],
      response: [hostMutations.response, configMutations.response],
      mostSpecificWins: input.mostSpecificHeaderMutationsWins === true,
      retryPolicy: hostInput.retryPolicy === undefined ? undefined : orFail(compileRetryPolicy(hostInput.retryPolicy), `${hostField}.retryPolicy`).value,
      cors: hostInput.cors === undefined ? undefined : orFail(compileCorsPolicy(hostInput.cors), `${hostField}.cors`).value,
    };
    const routes = hostInput.routes.map((route, r) => compileRoute(route, `${hostField}.routes[${r}]`, enclosing, orFail));
    const virtualHost = new VirtualHostEntry(
      hostInput.name,
      Object.freeze([...hostInput.domains]),
      Object.freeze(routes),
      options.indexRoutes !== false,
      hostInput.includeRequestAttemptCount === true,
      hostInput.includeAttemptCountInResponse === true,
    );
    registerDomains(hostInput, hostField, virtualHost, index, declaredAt, fail);
    return virtualHost;
  });
  return new CompiledRouteTable(configName, virtualHosts, index);
}

function registerDomains(
  hostInput: VirtualHostInput,
  hostField: string,
  virtualHost: VirtualHostEntry,
  index: VirtualHostIndex<VirtualHostEntry>,
  declaredAt: Map<string, { virtualHost: string; field: string }>,
  fail: Fail,
): void {
  if (hostInput.domains.length === 0) fail(`${hostField}.domains`, 'at least one domain is required');
  for (const [d, domain] of hostInput.domains.entries()) {
    const field = `${hostField}.domains[${d}]`;
    const parsed = parseDomainPattern(domain);
    if (!parsed.ok) fail(field, parsed.problem);
    else if (!index.add(parsed.pattern, virtualHost)) {
      const first = declaredAt.get(toAsciiLowerCase(domain));
      const where = first === undefined ? '' : ` by virtual host '${first.virtualHost}' (${first.field})`;
      const problem =
        parsed.pattern.kind === 'any'
          ? `only one '*' domain is allowed per route config; it is already declared${where}`
          : `domain '${domain}' is already declared${where}; domains must be unique within a route config`;
      fail(field, problem);
    }
    declaredAt.set(toAsciiLowerCase(domain), { virtualHost: hostInput.name, field });
  }
}

type OrFail = <T extends { ok: true }>(result: T | MatcherProblem, base: string) => T;

/** Envoy's order: most specific first, unless the config asks for most-specific-wins. */
function chain(own: HeaderMutationSet | undefined, enclosing: readonly (HeaderMutationSet | undefined)[], mostSpecificWins: boolean): readonly HeaderMutationSet[] {
  const ordered = [own, ...enclosing].filter((set): set is HeaderMutationSet => set !== undefined);
  if (mostSpecificWins) ordered.reverse();
  return Object.freeze(ordered);
}

function compileRoute(input: RouteInput, field: string, enclosing: Enclosing, orFail: OrFail): RouteEntry {
  const match = input.match;
  const path = orFail(compilePathMatcher(match), `${field}.match`);
  const matchers: RequestMatcher[] = [path.matcher];
  for (const [k, header] of (match.headers ?? []).entries()) {
    matchers.push(orFail(compileHeaderMatcher(header), `${field}.match.headers[${k}]`).matcher);
  }
  for (const [k, parameter] of (match.queryParameters ?? []).entries()) {
    matchers.push(orFail(compileQueryParameterMatcher(parameter), `${field}.match.queryParameters[${k}]`).matcher);
  }
  if (match.grpc !== undefined) matchers.push(new GrpcMatcher());
  // Last: it is the only matcher that may draw a random number.
  if (match.runtimeFraction !== undefined) {
    matchers.push(new RuntimeFractionMatcher(orFail(compileRuntimeFraction(match.runtimeFraction), `${field}.match.runtimeFraction`).fraction));
  }
  const { weightedClusters, ...parts } = orFail(compileRouteAction(input), field);
  const own = orFail(compileHeaderMutations(input, 'route'), field);
  const requestChain = chain(own.request, enclosing.request, enclosing.mostSpecificWins);
  const responseChain = chain(own.response, enclosing.response, enclosing.mostSpecificWins);
  if (weightedClusters !== undefined && parts.action.type === 'weighted') {
    // A weighted cluster's own mutation always comes first, whatever the route-level order.
    const clusters: WeightedCluster[] = weightedClusters.map((draft) =>
      Object.freeze({
        name: draft.name,
        clusterHeader: draft.clusterHeader,
        weight: draft.weight,
        requestHeaderMutations: draft.request === undefined ? requestChain : Object.freeze([draft.request, ...requestChain]),
        responseHeaderMutations: draft.response === undefined ? responseChain : Object.freeze([draft.response, ...responseChain]),
      }),
    );
    parts.action = Object.freeze({ type: 'weighted', clusters: Object.freeze(clusters), totalWeight: parts.action.totalWeight });
  }
  const isForward = input.route !== undefined;
  return new RouteEntry(
    input.name ?? '',
    Object.freeze(path.description),
    {
      ...parts,
      retryPolicy: isForward ? (parts.retryPolicy ?? enclosing.retryPolicy) : undefined,
      cors: parts.cors ?? enclosing.cors,
    },
    requestChain,
    responseChain,
    Object.freeze(matchers),
    path.indexKey,
  );
}
