import { regionEqualsIgnoreCase, toAsciiLowerCase } from './ascii.js';
import type { RequestMatcher } from './request-matcher.js';
import type { RequestView } from './request-view.js';
import type { RouteMatchInput } from './route-config-input.js';
import type { CompiledPathMatch } from './route-table.js';
import { compileSafeRegex } from './safe-regex.js';
import type { MatcherProblem } from './string-matcher.js';

// Path specifiers compare against the path without its query string or fragment, as Envoy does.
// HOT PATH: every matches() below runs per request and route: no allocation (the regex
// matcher's query-free path is cut once per request by the view), no compiling, no throwing.

class PrefixPathMatcher implements RequestMatcher {
  constructor(private readonly prefix: string, private readonly caseSensitive: boolean) {}

  matches(view: RequestView): boolean {
    if (this.prefix.length > view.pathEnd) return false;
    const path = view.request.path;
    return this.caseSensitive ? path.startsWith(this.prefix) : regionEqualsIgnoreCase(path, 0, this.prefix);
  }
}

class ExactPathMatcher implements RequestMatcher {
  constructor(private readonly path: string, private readonly caseSensitive: boolean) {}

  matches(view: RequestView): boolean {
    if (this.path.length !== view.pathEnd) return false;
    const path = view.request.path;
    return this.caseSensitive ? path.startsWith(this.path) : regionEqualsIgnoreCase(path, 0, this.path);
  }
}

class RegexPathMatcher implements RequestMatcher {
  constructor(private readonly regex: RegExp) {}

  matches(view: RequestView): boolean {
    return this.regex.test(view.pathWithoutQuery());
  }
}

export type PathMatcherResult =
  | { ok: true; matcher: RequestMatcher; description: CompiledPathMatch }
  | MatcherProblem;

/** Compiles a route's path specifier; a problem's field is relative to the route's `match`. */
export function compilePathMatcher(input: RouteMatchInput): PathMatcherResult {
  const given = (['prefix', 'path', 'safeRegex'] as const).filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    const found = given.length === 0 ? 'none is set' : `${given.join(' and ')} are all set`;
    return { ok: false, field: '', problem: `exactly one of prefix, path, safeRegex is required; ${found}` };
  }
  // Envoy ignores caseSensitive for safe_regex; so does this.
  const caseSensitive = input.caseSensitive !== false;
  const fold = (text: string): string => (caseSensitive ? text : toAsciiLowerCase(text));
  if (input.prefix !== undefined) {
    return {
      ok: true,
      matcher: new PrefixPathMatcher(fold(input.prefix), caseSensitive),
      description: { type: 'prefix', prefix: input.prefix, caseSensitive },
    };
  }
  if (input.path !== undefined) {
    return {
      ok: true,
      matcher: new ExactPathMatcher(fold(input.path), caseSensitive),
      description: { type: 'path', path: input.path, caseSensitive },
    };
  }
  const source = input.safeRegex?.regex ?? '';
  const compiled = compileSafeRegex(source);
  if (!compiled.ok) return { ok: false, field: '.safeRegex.regex', problem: compiled.problem, cause: compiled.cause };
  return { ok: true, matcher: new RegexPathMatcher(compiled.regex), description: { type: 'regex', regex: source } };
}
