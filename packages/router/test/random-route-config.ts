import type { HeaderMatcherInput, RouteConfigInput, RouteInput, RouteMatchInput, StringMatchInput, VirtualHostInput } from '../src/route-config-input.js';
import type { RouteRequest } from '../src/route-request.js';
import type { SeededRandom } from './seeded-random.js';

// Small alphabets on purpose: random tables and requests must collide often enough that
// every precedence rule, case fold and header branch is exercised, not just misses.
const LABELS = ['a', 'b', 'api', 'web', 'x-api'];
const TLDS = ['test', 'com'];
const PORTS = ['', '', ':80', ':8080'];
const PREFIXES = ['', '/', '/a', '/A', '/api', '/api/', '/Api/V1', '/a?q'];
const PATHS = ['/', '/a', '/api', '/API/v1', '/api/v1', '/b'];
const REGEXES = ['/a.*', '/[ab]+', '/api/v[0-9]', '/(a|b)/c', '.*', '/API/.*'];
const PATH_PIECES = ['/', '/a', '/A', '/b', '/api', '/API', '/api/v1', '/Api/V1', '/a/c', '/b/c', '/ab', '/api/', '/api/v1/x'];
const QUERIES = ['', '', '?q=1', '#frag', '?a?b', '?x=/api'];
const HEADER_NAMES = ['x-a', 'X-B', ':method', ':authority', ':path'];
const HEADER_VALUES = ['1', 'a', 'A', 'GET', 'a,b', 'api.test', '/a'];

function randomDomain(random: SeededRandom): string {
  const label = random.pick(LABELS);
  const tld = random.pick(TLDS);
  switch (random.int(7)) {
    case 6:
      return '[::1]';
    case 0:
      return `*.${tld}`;
    case 1:
      return `*.${label}.${tld}`;
    case 2:
      return `*-${label}.${tld}`;
    case 3:
      return random.chance(0.5) ? `${label}.*` : `${label}.${tld}.*`;
    case 4:
      return '*';
    default:
      return `${label}.${tld}${random.pick(PORTS)}`;
  }
}

function randomStringMatch(random: SeededRandom): StringMatchInput {
  const value = random.pick(HEADER_VALUES);
  const ignoreCase = random.chance(0.3) ? { ignoreCase: true } : {};
  switch (random.int(5)) {
    case 0:
      return { exact: value, ...ignoreCase };
    case 1:
      return { prefix: value.slice(0, 1 + random.int(value.length)), ...ignoreCase };
    case 2:
      return { suffix: value.slice(random.int(value.length)), ...ignoreCase };
    case 3:
      return { contains: value.slice(0, 1), ...ignoreCase };
    default:
      return { safeRegex: { regex: random.pick(['[0-9]+', 'a(,b)?', 'G.T', '.*\\.test', '/a.*']) } };
  }
}

function randomHeaderMatcher(random: SeededRandom): HeaderMatcherInput {
  const name = random.pick(HEADER_NAMES);
  const invert = random.chance(0.25) ? { invertMatch: true } : {};
  switch (random.int(4)) {
    case 0:
      return { name, presentMatch: random.chance(0.5), ...invert };
    case 1:
      return { name, ...invert };
    default:
      return { name, stringMatch: randomStringMatch(random), ...invert };
  }
}

function randomMatch(random: SeededRandom): RouteMatchInput {
  const caseSensitive = random.chance(0.5) ? {} : { caseSensitive: random.chance(0.5) };
  const headers = Array.from({ length: random.pick([0, 0, 1, 2]) }, () => randomHeaderMatcher(random));
  const withHeaders = headers.length > 0 ? { headers } : {};
  switch (random.int(3)) {
    case 0:
      return { prefix: random.pick(PREFIXES), ...caseSensitive, ...withHeaders };
    case 1:
      return { path: random.pick(PATHS), ...caseSensitive, ...withHeaders };
    default:
      return { safeRegex: { regex: random.pick(REGEXES) }, ...caseSensitive, ...withHeaders };
  }
}

/** A valid table: domains unique across hosts (ignoring case), at most one `*`. */
export function randomRouteConfig(random: SeededRandom): RouteConfigInput {
  const taken = new Set<string>();
  const virtualHosts: VirtualHostInput[] = [];
  const hostCount = 1 + random.int(4);
  for (let h = 0; h < hostCount; h++) {
    const domains: string[] = [];
    for (let attempt = 0; attempt < 3 || domains.length === 0; attempt++) {
      const domain = random.mixCase(randomDomain(random));
      if (taken.has(domain.toLowerCase())) continue;
      taken.add(domain.toLowerCase());
      domains.push(domain);
    }
    const routes: RouteInput[] = Array.from({ length: random.int(5) }, (_, r) => ({
      name: `r${r}`,
      match: randomMatch(random),
      route: { cluster: `c${r}` },
    }));
    virtualHosts.push({ name: `vh${h}`, domains, routes });
  }
  return { name: 'random', virtualHosts, ...(random.chance(0.5) ? { ignorePortInHostMatching: true } : {}) };
}

/** A request that often, but not always, hits one of the table's domains. */
export function randomRequest(random: SeededRandom, config: RouteConfigInput): RouteRequest {
  let authority: string;
  if (random.chance(0.6)) {
    const domain = random.pick(random.pick(config.virtualHosts).domains);
    const filled = domain.replace('*', random.pick(['', 'z', 'a.b', 'web']));
    authority = filled + (filled.includes(':') ? '' : random.pick(PORTS));
  } else {
    authority = random.pick([`${random.pick(LABELS)}.${random.pick(TLDS)}`, `q.${random.pick(LABELS)}.test`, '[::1]', 'x']) + random.pick(PORTS);
  }
  const headers: Record<string, string | string[]> = {};
  for (const name of ['x-a', 'x-b']) {
    if (random.chance(0.4)) continue;
    headers[name] = random.chance(0.3) ? [random.pick(['a', 'b', '1']), random.pick(['a', 'b', 'A'])] : random.pick(HEADER_VALUES);
  }
  return {
    authority: random.mixCase(authority),
    path: random.pick(PATH_PIECES) + random.pick(QUERIES),
    method: random.pick(['GET', 'POST', 'get']),
    headers,
  };
}
