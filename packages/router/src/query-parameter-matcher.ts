import type { RequestMatcher } from './request-matcher.js';
import type { RequestView } from './request-view.js';
import type { QueryParameterMatcherInput } from './route-config-input.js';
import { compileStringMatcher } from './string-matcher.js';
import type { MatcherProblem, StringMatcher } from './string-matcher.js';

/**
 * Envoy's QueryParameterMatcher: the parameter must be present; `stringMatch` then tests its
 * first (percent-decoded) value. A parameter without `=` has the value `''`.
 */
class QueryParameterMatcher implements RequestMatcher {
  constructor(private readonly name: string, private readonly valueMatcher: StringMatcher | undefined) {}

  /** HOT PATH: the query is parsed once per request, on the first route that asks for it. */
  matches(view: RequestView): boolean {
    const value = view.queryParameters().get(this.name);
    if (value === undefined) return false;
    return this.valueMatcher === undefined || this.valueMatcher.matches(value);
  }
}

export type QueryParameterMatcherResult = { ok: true; matcher: RequestMatcher } | MatcherProblem;

/** Compiles one query parameter matcher; a problem's field is relative to the matcher. */
export function compileQueryParameterMatcher(input: QueryParameterMatcherInput): QueryParameterMatcherResult {
  if (input.name.length === 0) return { ok: false, field: '.name', problem: 'query parameter name must not be empty' };
  if (input.stringMatch !== undefined && input.presentMatch !== undefined) {
    return { ok: false, field: '', problem: 'at most one of stringMatch and presentMatch may be set' };
  }
  if (input.stringMatch === undefined) return { ok: true, matcher: new QueryParameterMatcher(input.name, undefined) };
  const compiled = compileStringMatcher(input.stringMatch);
  if (!compiled.ok) return { ...compiled, field: `.stringMatch${compiled.field}` };
  return { ok: true, matcher: new QueryParameterMatcher(input.name, compiled.matcher) };
}
