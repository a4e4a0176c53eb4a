import { toAsciiLowerCase } from './ascii.js';
import type { RequestMatcher } from './request-matcher.js';
import type { RequestView } from './request-view.js';
import type { HeaderMatcherInput } from './route-config-input.js';
import type { RouteRequest } from './route-request.js';
import { compileStringMatcher } from './string-matcher.js';
import type { MatcherProblem, StringMatcher } from './string-matcher.js';

/** Where a header's value comes from: pseudo-headers are fields of the request itself. */
const enum HeaderSource {
  Headers,
  Authority,
  Method,
  Path,
}

const PSEUDO_HEADERS: ReadonlyMap<string, HeaderSource> = new Map([
  [':authority', HeaderSource.Authority],
  [':method', HeaderSource.Method],
  [':path', HeaderSource.Path],
]);

/**
 * Envoy's HeaderMatcher (HeaderUtility::matchHeaders): a missing header matches only a
 * `presentMatch` expecting absence, or, inverted, one expecting presence; a present header
 * is tested and the result flipped by `invertMatch`. Repeated values are joined with ','.
 */
export class HeaderMatcher implements RequestMatcher {
  constructor(
    private readonly name: string,
    private readonly source: HeaderSource,
    /** undefined: any value of a present header matches (Envoy's default matcher). */
    private readonly valueMatcher: StringMatcher | undefined,
    /** Set for presentMatch: whether the header is expected to be present. */
    private readonly expectPresent: boolean | undefined,
    private readonly invert: boolean,
  ) {}

  /** HOT PATH: per request and route. Allocates only to join a repeated header. */
  matches(view: RequestView): boolean {
    const value = readHeader(view.request, this.source, this.name);
    if (value === undefined) {
      if (this.expectPresent === undefined) return false;
      return this.invert ? this.expectPresent : !this.expectPresent;
    }
    let matched: boolean;
    if (this.expectPresent !== undefined) matched = this.expectPresent;
    else if (this.valueMatcher !== undefined) matched = this.valueMatcher.matches(value);
    else matched = true;
    return matched !== this.invert;
  }
}

function readHeader(request: RouteRequest, source: HeaderSource, name: string): string | undefined {
  switch (source) {
    case HeaderSource.Authority:
      return request.authority;
    case HeaderSource.Method:
      return request.method;
    case HeaderSource.Path:
      return request.path;
    case HeaderSource.Headers: {
      const value = request.headers[name];
      if (value === undefined || typeof value === 'string') return value;
      if (value.length === 0) return undefined;
      return value.length === 1 ? value[0] : value.join(',');
    }
  }
}

export type HeaderMatcherResult = { ok: true; matcher: HeaderMatcher } | MatcherProblem;

/** Compiles one header matcher; a problem's field is relative to the matcher. */
export function compileHeaderMatcher(input: HeaderMatcherInput): HeaderMatcherResult {
  if (input.name.length === 0) return { ok: false, field: '.name', problem: 'header name must not be empty' };
  if (input.stringMatch !== undefined && input.presentMatch !== undefined) {
    return { ok: false, field: '', problem: 'at most one of stringMatch and presentMatch may be set' };
  }
  const name = toAsciiLowerCase(input.name);
  const source = PSEUDO_HEADERS.get(name) ?? HeaderSource.Headers;
  const invert = input.invertMatch === true;
  if (input.stringMatch === undefined) {
    return { ok: true, matcher: new HeaderMatcher(name, source, undefined, input.presentMatch, invert) };
  }
  const compiled = compileStringMatcher(input.stringMatch);
  if (!compiled.ok) return { ...compiled, field: `.stringMatch${compiled.field}` };
  return { ok: true, matcher: new HeaderMatcher(name, source, compiled.matcher, undefined, invert) };
}
