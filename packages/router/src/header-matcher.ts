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
  Scheme,
}

const PSEUDO_HEADERS: ReadonlyMap<string, HeaderSource> = new Map([
  [':authority', HeaderSource.Authority],
  [':method', HeaderSource.Method],
  [':path', HeaderSource.Path],
  [':scheme', HeaderSource.Scheme],
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
    private readonly missingAsEmpty: boolean,
  ) {}

  /** HOT PATH: per request and route. Allocates only to join a repeated header. */
  matches(view: RequestView): boolean {
    return this.test(readHeader(view.request, this.source, this.name));
  }

  /** The same test on headers read by name (a response's, for retry conditions); pseudo-headers by their names. */
  matchesHeaders(read: (name: string) => string | undefined): boolean {
    return this.test(read(this.name));
  }

  private test(found: string | undefined): boolean {
    let value = found;
    if (value === undefined && this.missingAsEmpty && this.expectPresent === undefined) value = '';
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
    case HeaderSource.Scheme:
      return request.scheme ?? firstValue(request.headers[':scheme']);
    case HeaderSource.Headers: {
      const value = request.headers[name];
      if (value === undefined || typeof value === 'string') return value;
      if (value.length === 0) return undefined;
      return value.length === 1 ? value[0] : value.join(',');
    }
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value[0];
}

/** Envoy's range_match: the value as an int64 (surrounding spaces and a sign allowed), start <= v < end. */
class RangeMatcher implements StringMatcher {
  constructor(private readonly start: bigint, private readonly end: bigint) {}

  matches(value: string): boolean {
    const digits = INTEGER.exec(value)?.[1];
    if (digits === undefined) return false;
    // Digits only, so BigInt cannot throw; values past int64 fail to parse in Envoy, so here too.
    const parsed = BigInt(digits);
    if (parsed < INT64_MIN || parsed > INT64_MAX) return false;
    return parsed >= this.start && parsed < this.end;
  }
}

const INTEGER = /^\s*([+-]?\d{1,20})\s*$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export type HeaderMatcherResult = { ok: true; matcher: HeaderMatcher } | MatcherProblem;

/** Compiles one header matcher; a problem's field is relative to the matcher. */
export function compileHeaderMatcher(input: HeaderMatcherInput): HeaderMatcherResult {
  if (input.name.length === 0) return { ok: false, field: '.name', problem: 'header name must not be empty' };
  const specifiers = (['stringMatch', 'presentMatch', 'rangeMatch'] as const).filter((key) => input[key] !== undefined);
  if (specifiers.length > 1) {
    return { ok: false, field: '', problem: `at most one of stringMatch, presentMatch and rangeMatch may be set; ${specifiers.join(' and ')} are` };
  }
  const name = toAsciiLowerCase(input.name);
  const source = PSEUDO_HEADERS.get(name) ?? HeaderSource.Headers;
  const invert = input.invertMatch === true;
  const missingAsEmpty = input.treatMissingHeaderAsEmpty === true;
  if (input.rangeMatch !== undefined) {
    const { start, end } = input.rangeMatch;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= end) {
      return { ok: false, field: '.rangeMatch', problem: `start and end must be integers with start < end, not ${start}..${end}` };
    }
    return { ok: true, matcher: new HeaderMatcher(name, source, new RangeMatcher(BigInt(start), BigInt(end)), undefined, invert, missingAsEmpty) };
  }
  if (input.stringMatch === undefined) {
    return { ok: true, matcher: new HeaderMatcher(name, source, undefined, input.presentMatch, invert, missingAsEmpty) };
  }
  const compiled = compileStringMatcher(input.stringMatch);
  if (!compiled.ok) return { ...compiled, field: `.stringMatch${compiled.field}` };
  return { ok: true, matcher: new HeaderMatcher(name, source, compiled.matcher, undefined, invert, missingAsEmpty) };
}
