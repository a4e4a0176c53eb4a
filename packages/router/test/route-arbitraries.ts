import fc from 'fast-check';
import type { HeaderMatcherInput, QueryParameterMatcherInput, RouteConfigInput, RouteInput, RouteMatchInput, StringMatchInput } from '../src/route-config-input.js';
import type { RouteRequest } from '../src/route-request.js';

// fast-check arbitraries over small alphabets: tables and requests must collide often, so that
// the index, precedence rules, case folding and every matcher branch are exercised, not misses.

const LABELS = ['a', 'b', 'api', 'x-api'];
const PORTS = ['', ':80', ':8080'];
const PREFIXES = ['', '/', '/a', '/A', '/ab', '/api', '/api/', '/Api/V1', '/a/c'];
const PATHS = ['/', '/a', '/api', '/API/v1', '/api/v1', '/b', '/a/c'];
const SEPARATED = ['/a', '/api', '/API', '/api/v1', '/b'];
const REGEXES = ['/a.*', '/[ab]+', '/api/v[0-9]', '/(a|b)/c', '.*', '/API/.*', '/a+b?', '/ap?i.*', '/a/c', '/api/.*', '(?i)/api.*', '/a\\.?c'];
const PATH_PIECES = ['/', '/a', '/A', '/b', '/ab', '/api', '/API', '/api/v1', '/Api/V1', '/a/c', '/b/c', '/api/', '/api/v1/x', '/a.c', '/aac', '/apix'];
const QUERIES = ['', '?q=1', '#frag', '?a&b=2', '?q=%41', '?x=/api', '?q=1&q=2', '?b'];
const HEADER_NAMES = ['x-a', 'X-B', ':method', ':authority', ':path', 'content-type'];
const HEADER_VALUES = ['1', '7', 'a', 'A', 'GET', 'a,b', 'api.test', '/a', 'application/grpc', ' 12 '];

const stringMatch: fc.Arbitrary<StringMatchInput> = fc.oneof(
  fc.record({ exact: fc.constantFrom(...HEADER_VALUES), ignoreCase: fc.boolean() }),
  fc.record({ prefix: fc.constantFrom('a', 'A', '1', 'ap', '/'), ignoreCase: fc.boolean() }),
  fc.record({ suffix: fc.constantFrom('a', 'b', 'test', '1'), ignoreCase: fc.boolean() }),
  fc.record({ contains: fc.constantFrom('a', ',', 'grpc'), ignoreCase: fc.boolean() }),
  fc.record({ safeRegex: fc.record({ regex: fc.constantFrom('[0-9]+', 'a(,b)?', 'G.T', '.*\\.test', '/a.*', '(?i)a') }) }),
);

const headerMatcher: fc.Arbitrary<HeaderMatcherInput> = fc
  .tuple(
    fc.constantFrom(...HEADER_NAMES),
    fc.oneof(
      fc.record({ presentMatch: fc.boolean() }),
      fc.constant({}),
      fc.record({ stringMatch }),
      fc.record({ rangeMatch: fc.constantFrom({ start: 0, end: 10 }, { start: 5, end: 13 }) }),
    ),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([name, specifier, invertMatch, treatMissingHeaderAsEmpty]) => ({ name, ...specifier, invertMatch, treatMissingHeaderAsEmpty }));

const queryMatcher: fc.Arbitrary<QueryParameterMatcherInput> = fc
  .tuple(fc.constantFrom('q', 'a', 'b'), fc.oneof(fc.constant({}), fc.constant({ presentMatch: true }), fc.record({ stringMatch })))
  .map(([name, specifier]) => ({ name, ...specifier }));

const pathSpecifier: fc.Arbitrary<RouteMatchInput> = fc.oneof(
  fc.record({ prefix: fc.constantFrom(...PREFIXES) }),
  fc.record({ path: fc.constantFrom(...PATHS) }),
  fc.record({ pathSeparatedPrefix: fc.constantFrom(...SEPARATED) }),
  fc.record({ safeRegex: fc.record({ regex: fc.constantFrom(...REGEXES) }) }),
);

const routeMatch: fc.Arbitrary<RouteMatchInput> = fc
  .tuple(
    pathSpecifier,
    fc.constantFrom<{ caseSensitive?: boolean }>({}, { caseSensitive: true }, { caseSensitive: false }),
    fc.array(headerMatcher, { maxLength: 2 }),
    fc.array(queryMatcher, { maxLength: 2 }),
    fc.constantFrom<Partial<RouteMatchInput>>({}, {}, {}, { grpc: {} }),
    fc.constantFrom<Partial<RouteMatchInput>>({}, {}, {}, { runtimeFraction: { defaultValue: { numerator: 50 } } }),
  )
  .map(([path, caseSensitive, headers, queryParameters, grpc, fraction]) => ({
    ...path,
    ...caseSensitive,
    ...(headers.length > 0 ? { headers } : {}),
    ...(queryParameters.length > 0 ? { queryParameters } : {}),
    ...grpc,
    ...fraction,
  }));

const domain: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...LABELS), fc.constantFrom(...PORTS)).map(([label, port]) => `${label}.test${port}`),
  fc.constantFrom('*.test', '*-api.test', '*.a.test', 'api.*', 'a.test.*', '*', '[::1]', '[::1]:80'),
);

/** A valid table: domains unique across virtual hosts (ignoring case), at most one `*`. */
export const routeConfig: fc.Arbitrary<RouteConfigInput> = fc
  .tuple(
    fc.array(fc.tuple(fc.uniqueArray(domain, { minLength: 1, maxLength: 3 }), fc.array(routeMatch, { maxLength: 8 })), { minLength: 1, maxLength: 3 }),
    fc.constantFrom<Partial<RouteConfigInput>>({}, { ignorePortInHostMatching: true }, { stripAnyHostPort: true }, { stripMatchingHostPort: true }),
  )
  .map(([hosts, portMode]) => {
    const taken = new Set<string>();
    const virtualHosts = hosts.map(([domains, matches], h) => {
      const unique = domains.filter((d) => !taken.has(d.toLowerCase()));
      for (const d of unique) taken.add(d.toLowerCase());
      const routes: RouteInput[] = matches.map((match, r) => ({ name: `r${r}`, match, route: { cluster: `c${r}` } }));
      return { name: `vh${h}`, domains: unique.length > 0 ? unique : [`only-${h}.test`], routes };
    });
    return { name: 'property', virtualHosts, ...portMode };
  });

/** Requests, each of which usually names one of the table's domains (`pick` chooses which). */
export const requestFor = (config: RouteConfigInput): fc.Arbitrary<RouteRequest> => {
  const domains = config.virtualHosts.flatMap((host) => host.domains);
  return fc
    .record({
      authority: fc.oneof(
        fc.tuple(fc.constantFrom(...domains), fc.constantFrom('', 'z', 'a.b'), fc.constantFrom(...PORTS)).map(([d, fill, port]) => d.replace('*', fill) + (d.includes(':') ? '' : port)),
        fc.constantFrom('x.test', 'q.api.test', 'API.TEST:8080', '[::1]:8080'),
      ),
      upper: fc.boolean(),
      path: fc.tuple(fc.constantFrom(...PATH_PIECES), fc.constantFrom(...QUERIES)).map(([p, q]) => p + q),
      method: fc.constantFrom('GET', 'POST', 'get'),
      xa: fc.option(fc.oneof(fc.constantFrom(...HEADER_VALUES), fc.array(fc.constantFrom(...HEADER_VALUES), { minLength: 1, maxLength: 2 })), { nil: undefined }),
      xb: fc.option(fc.constantFrom(...HEADER_VALUES), { nil: undefined }),
      contentType: fc.option(fc.constantFrom('application/grpc', 'application/grpc+proto', 'application/grpc-web', 'text/plain'), { nil: undefined }),
      random: fc.nat({ max: 199 }),
      localPort: fc.constantFrom(80, 8080),
    })
    .map((r) => {
      const headers: Record<string, string | string[]> = {};
      if (r.xa !== undefined) headers['x-a'] = r.xa;
      if (r.xb !== undefined) headers['x-b'] = r.xb;
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      return { authority: r.upper ? r.authority.toUpperCase() : r.authority, path: r.path, method: r.method, headers, random: r.random, localPort: r.localPort };
    });
};
