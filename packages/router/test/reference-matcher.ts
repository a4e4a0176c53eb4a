import { RE2JS } from 're2js';
import type { HeaderMatcherInput, QueryParameterMatcherInput, RouteConfigInput, RouteInput, StringMatchInput } from '../src/route-config-input.js';
import type { RouteRequest } from '../src/route-request.js';

// A deliberately naive reading of Envoy's rules, written without the compiled table's tricks
// (no tries, no in-place case folding, regexes built on every call), for the property test to
// compare against. Inputs are ASCII, so toLowerCase agrees with Envoy's ASCII folding.
// Regexes are compiled with RE2 on every call.

function fullMatch(regex: string, text: string): boolean {
  return RE2JS.compile(regex).matches(text);
}

export interface ReferenceMatch {
  virtualHost: string;
  routeIndex: number;
}

export function referenceMatch(config: RouteConfigInput, request: RouteRequest): ReferenceMatch | null {
  const host = referenceVirtualHost(config, request.authority, request.localPort);
  if (host === undefined) return null;
  const routeIndex = host.routes.findIndex((route) => routeMatches(route, request));
  return routeIndex === -1 ? null : { virtualHost: host.name, routeIndex };
}

function referenceVirtualHost(config: RouteConfigInput, authority: string, localPort: number | undefined): RouteConfigInput['virtualHosts'][number] | undefined {
  let host = authority.toLowerCase();
  const colon = host.lastIndexOf(':');
  const hasPort = colon !== -1 && host.lastIndexOf(']') < colon;
  if (hasPort && (config.ignorePortInHostMatching === true || config.stripAnyHostPort === true)) host = host.slice(0, colon);
  else if (hasPort && config.stripMatchingHostPort === true && localPort !== undefined && /^\d+$/.test(host.slice(colon + 1))) {
    if (Number(host.slice(colon + 1)) === localPort) host = host.slice(0, colon);
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
  else if (match.pathSeparatedPrefix !== undefined) {
    const prefix = fold(match.pathSeparatedPrefix);
    pathOk = fold(path) === prefix || fold(path).startsWith(`${prefix}/`);
  } else pathOk = fullMatch(match.safeRegex?.regex ?? '', path);
  const grpcOk = match.grpc === undefined || /^application\/grpc(\+|$)/.test(String(request.headers['content-type'] ?? ''));
  const fraction = match.runtimeFraction?.defaultValue;
  const scale = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 }[fraction?.denominator ?? 'HUNDRED'];
  const fractionOk = fraction === undefined || (request.random ?? 0) % scale < fraction.numerator;
  return (
    pathOk &&
    grpcOk &&
    fractionOk &&
    (match.headers ?? []).every((header) => headerMatches(header, request)) &&
    (match.queryParameters ?? []).every((parameter) => queryMatches(parameter, request.path))
  );
}

function queryMatches(matcher: QueryParameterMatcherInput, path: string): boolean {
  const query = path.split('#')[0]?.split('?').slice(1).join('?') ?? '';
  if (!path.split('#')[0]?.includes('?')) return false;
  const pairs = query.split('&').filter((part) => part.length > 0);
  const found = pairs.map((part) => [part.split('=')[0] ?? '', part.includes('=') ? part.slice(part.indexOf('=') + 1) : '']).find(([name]) => decodeURIComponent(name ?? '') === matcher.name);
  if (found === undefined) return false;
  return matcher.stringMatch === undefined || stringMatches(matcher.stringMatch, decodeURIComponent(found[1] ?? ''));
}

function headerMatches(header: HeaderMatcherInput, request: RouteRequest): boolean {
  const name = header.name.toLowerCase();
  let value: string | undefined;
  if (name === ':method') value = request.method;
  else if (name === ':authority') value = request.authority;
  else if (name === ':path') value = request.path;
  else if (name === ':scheme') value = request.scheme;
  else {
    const raw = request.headers[name];
    value = Array.isArray(raw) ? (raw.length === 0 ? undefined : raw.join(',')) : raw;
  }
  const invert = header.invertMatch === true;
  if (value === undefined && header.treatMissingHeaderAsEmpty === true && header.presentMatch === undefined) value = '';
  if (value === undefined) {
    if (header.presentMatch === undefined) return false;
    return invert ? header.presentMatch : !header.presentMatch;
  }
  let result = true;
  if (header.presentMatch !== undefined) result = header.presentMatch;
  else if (header.stringMatch !== undefined) result = stringMatches(header.stringMatch, value);
  else if (header.rangeMatch !== undefined) {
    const parsed = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    result = parsed >= header.rangeMatch.start && parsed < header.rangeMatch.end;
  }
  return invert ? !result : result;
}

function stringMatches(matcher: StringMatchInput, value: string): boolean {
  if (matcher.safeRegex !== undefined) return fullMatch(matcher.safeRegex.regex, value);
  const fold = (text: string): string => (matcher.ignoreCase === true ? text.toLowerCase() : text);
  const folded = fold(value);
  if (matcher.exact !== undefined) return folded === fold(matcher.exact);
  if (matcher.prefix !== undefined) return folded.startsWith(fold(matcher.prefix));
  if (matcher.suffix !== undefined) return folded.endsWith(fold(matcher.suffix));
  return folded.includes(fold(matcher.contains ?? ''));
}
