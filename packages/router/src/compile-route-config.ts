import { toAsciiLowerCase } from './ascii.js';
import { CompiledRouteTable, RouteEntry, VirtualHostEntry } from './compiled-route-table.js';
import { parseDomainPattern } from './domain-pattern.js';
import { RouteConfigError } from './errors.js';
import { compileHeaderMatcher } from './header-matcher.js';
import { compilePathMatcher } from './path-matcher.js';
import type { RequestMatcher } from './request-matcher.js';
import { compileRouteAction } from './route-action.js';
import type { RouteConfigInput, RouteInput, VirtualHostInput } from './route-config-input.js';
import type { RouteTable } from './route-table.js';
import type { MatcherProblem } from './string-matcher.js';
import { VirtualHostIndex } from './virtual-host-index.js';

/**
 * Validates a route configuration and compiles it into a table for `match`: regexes compiled,
 * domains lower-cased and indexed. Throws `RouteConfigError` naming the first offending field;
 * the whole configuration is refused, so a caller keeps its last good table.
 */
export function compileRouteConfig(input: RouteConfigInput): RouteTable {
  const configName = input.name;
  const fail = (field: string, problem: string, cause?: unknown): never => {
    throw new RouteConfigError(configName, field, problem, cause === undefined ? undefined : { cause });
  };
  const index = new VirtualHostIndex<VirtualHostEntry>(input.ignorePortInHostMatching === true);
  // Where each lower-cased domain was first declared, to name it in a duplicate's error.
  const declaredAt = new Map<string, { virtualHost: string; field: string }>();

  const virtualHosts = input.virtualHosts.map((hostInput, h) => {
    const hostField = `virtualHosts[${h}]`;
    const virtualHost = compileVirtualHost(hostInput, hostField, fail);
    if (hostInput.domains.length === 0) fail(`${hostField}.domains`, 'at least one domain is required');
    for (const [d, domain] of hostInput.domains.entries()) {
      const field = `${hostField}.domains[${d}]`;
      const parsed = parseDomainPattern(domain);
      if (!parsed.ok) return fail(field, parsed.problem);
      if (!index.add(parsed.pattern, virtualHost)) {
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
    return virtualHost;
  });
  return new CompiledRouteTable(configName, Object.freeze(virtualHosts), index);
}

type Fail = (field: string, problem: string, cause?: unknown) => never;

function compileVirtualHost(input: VirtualHostInput, field: string, fail: Fail): VirtualHostEntry {
  if (input.name.length === 0) fail(`${field}.name`, 'virtual host name must not be empty');
  const routes = input.routes.map((route, r) => compileRoute(route, `${field}.routes[${r}]`, fail));
  return new VirtualHostEntry(input.name, Object.freeze([...input.domains]), Object.freeze(routes));
}

function compileRoute(input: RouteInput, field: string, fail: Fail): RouteEntry {
  const orFail = <T extends { ok: true }>(result: T | MatcherProblem, base: string): T => {
    if (!result.ok) return fail(base + result.field, result.problem, result.cause);
    return result;
  };
  const path = orFail(compilePathMatcher(input.match), `${field}.match`);
  const matchers: RequestMatcher[] = [path.matcher];
  for (const [k, header] of (input.match.headers ?? []).entries()) {
    matchers.push(orFail(compileHeaderMatcher(header), `${field}.match.headers[${k}]`).matcher);
  }
  const action = orFail(compileRouteAction(input), field);
  return new RouteEntry(
    input.name ?? '',
    Object.freeze(path.description),
    Object.freeze(action.action),
    action.prefixRewrite,
    action.timeoutMs,
    Object.freeze(matchers),
  );
}
