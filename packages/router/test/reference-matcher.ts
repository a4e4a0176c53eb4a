import type { HeaderMatcherInput, RouteConfigInput, RouteInput, StringMatchInput } from '../src/route-config-input.js';
import type { RouteRequest } from '../src/route-request.js';

// A deliberately naive reading of Envoy's rules, written without the compiled table's tricks
// (no tries, no in-place case folding, regexes built on every call), for the property test to
// compare against. Inputs are ASCII, so toLowerCase agrees with Envoy's ASCII folding.

export interface ReferenceMatch {
  virtualHost: string;
  routeIndex: number;
}

export function referenceMatch(config: RouteConfigInput, request: RouteRequest): ReferenceMatch | null {
  const host = referenceVirtualHost(config, request.authority);
  if (host === undefined) return null;
  const routeIndex = host.routes.findIndex((route) => routeMatches(route, request));
  return routeIndex === -1 ? null : { virtualHost: host.name, routeIndex };
}

function referenceVirtualHost(config: RouteConfigInput, authority: string): RouteConfigInput['virtualHosts'][number] | undefined {
  let host = authority.toLowerCase();
  if (config.ignorePortInHostMatching === true) {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && host.lastIndexOf(']') < colon) host = host.slice(0, colon);
  }
  let exact;
  let any;
  let suffix: { length: number; host: RouteConfigInput['virtualHosts'][number] } | undefined;
  let prefix: typeof suffix;
  for (const virtualHost of config.virtualHosts) {
    for (const raw of virtualHost.domains) {
      const domain = raw.toLowerCase();
      if (domain === '*') any = virtualHost;
      else if (domain.startsWith('*')) {
        const rest = domain.slice(1);
        if (host.length > rest.length && host.endsWith(rest) && (suffix === undefined || rest.length > suffix.length)) {
          suffix = { length: rest.length, host: virtualHost };
        }
      } else if (domain.endsWith('*')) {
        const rest = domain.slice(0, -1);
        if (host.length > rest.length && host.startsWith(rest) && (prefix === undefined || rest.length > prefix.length)) {
          prefix = { length: rest.length, host: virtualHost };
        }
      } else if (domain === host) exact = virtualHost;
    }
  }
  return exact ?? suffix?.host ?? prefix?.host ?? any;
}

function routeMatches(route: RouteInput, request: RouteRequest): boolean {
  const path = request.path.split(/[?#]/)[0] ?? '';
  const { match } = route;
  const caseSensitive = match.caseSensitive ?? true;
  const fold = (text: string): string => (caseSensitive ? text : text.toLowerCase());
  let pathOk: boolean;
  if (match.prefix !== undefined) pathOk = fold(path).startsWith(fold(match.prefix));
  else if (match.path !== undefined) pathOk = fold(path) === fold(match.path);
  else pathOk = new RegExp(`^(?:${match.safeRegex?.regex ?? ''})$`).test(path);
  return pathOk && (match.headers ?? []).every((header) => headerMatches(header, request));
}

function headerMatches(header: HeaderMatcherInput, request: RouteRequest): boolean {
  const name = header.name.toLowerCase();
  let value: string | undefined;
  if (name === ':method') value = request.method;
  else if (name === ':authority') value = request.authority;
  else if (name === ':path') value = request.path;
  else {
    const raw = request.headers[name];
    value = Array.isArray(raw) ? (raw.length === 0 ? undefined : raw.join(',')) : raw;
  }
  const invert = header.invertMatch === true;
  if (value === undefined) {
    if (header.presentMatch === undefined) return false;
    return invert ? header.presentMatch : !header.presentMatch;
  }
  let result = true;
  if (header.presentMatch !== undefined) result = header.presentMatch;
  else if (header.stringMatch !== undefined) result = stringMatches(header.stringMatch, value);
  return invert ? !result : result;
}

function stringMatches(matcher: StringMatchInput, value: string): boolean {
  if (matcher.safeRegex !== undefined) return new RegExp(`^(?:${matcher.safeRegex.regex})$`).test(value);
  const fold = (text: string): string => (matcher.ignoreCase === true ? text.toLowerCase() : text);
  const folded = fold(value);
  if (matcher.exact !== undefined) return folded === fold(matcher.exact);
  if (matcher.prefix !== undefined) return folded.startsWith(fold(matcher.prefix));
  if (matcher.suffix !== undefined) return folded.endsWith(fold(matcher.suffix));
  return folded.includes(fold(matcher.contains ?? ''));
}
