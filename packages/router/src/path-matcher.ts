import { regionEqualsIgnoreCase, toAsciiLowerCase } from './ascii.js';
import type { RequestMatcher } from './request-matcher.js';
import type { RequestView } from './request-view.js';
import type { RouteMatchInput } from './route-config-input.js';
import type { CompiledPathMatch } from './route-table.js';
import { compileSafeRegex } from './safe-regex.js';
import type { SafeRegex } from './safe-regex.js';
import type { MatcherProblem } from './string-matcher.js';

// Path specifiers compare against the path without its query string or fragment, as Envoy does.
// HOT PATH: every matches() below runs per request and route: no allocation (the regex
// matcher's query-free path is cut once per request by the view), no compiling, no throwing.

const SLASH = 47;

function startsWithFolded(view: RequestView, text: string, caseSensitive: boolean): boolean {
  if (text.length > view.pathEnd) return false;
  const path = view.request.path;
  return caseSensitive ? path.startsWith(text) : regionEqualsIgnoreCase(path, 0, text);
}

class PrefixPathMatcher implements RequestMatcher {
  constructor(private readonly prefix: string, private readonly caseSensitive: boolean) {}

  matches(view: RequestView): boolean {
    return startsWithFolded(view, this.prefix, this.caseSensitive);
  }
}

class ExactPathMatcher implements RequestMatcher {
  constructor(private readonly path: string, private readonly caseSensitive: boolean) {}

  matches(view: RequestView): boolean {
    return this.path.length === view.pathEnd && startsWithFolded(view, this.path, this.caseSensitive);
  }
}

class SeparatedPrefixPathMatcher implements RequestMatcher {
  constructor(private readonly prefix: string, private readonly caseSensitive: boolean) {}

  matches(view: RequestView): boolean {
    const length = this.prefix.length;
    if (!startsWithFolded(view, this.prefix, this.caseSensitive)) return false;
    return length === view.pathEnd || view.request.path.charCodeAt(length) === SLASH;
  }
}

class RegexPathMatcher implements RequestMatcher {
  constructor(private readonly regex: SafeRegex) {}

  matches(view: RequestView): boolean {
    return this.regex.fullMatch(view.pathWithoutQuery());
  }
}

/**
 * How the route index may file a route: under `key` (ASCII lower-cased when not caseSensitive)
 * in a path trie. Regex routes cannot be filed and are always candidates.
 */
export type PathIndexKey =
  | { readonly kind: 'prefix' | 'exact' | 'separated'; readonly key: string; readonly caseSensitive: boolean }
  | { readonly kind: 'none' };

export type PathMatcherResult =
  | { ok: true; matcher: RequestMatcher; description: CompiledPathMatch; indexKey: PathIndexKey }
  | MatcherProblem;

const SPECIFIERS = ['prefix', 'path', 'safeRegex', 'pathSeparatedPrefix'] as const;
// Envoy's own validation rule for path_separated_prefix.
const SEPARATED_PREFIX = /^[^?#]+[^?#/]$/;

/** Compiles a route's path specifier; a problem's field is relative to the route's `match`. */
export function compilePathMatcher(input: RouteMatchInput): PathMatcherResult {
  const given = SPECIFIERS.filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    const found = given.length === 0 ? 'none is set' : `${given.join(' and ')} are all set`;
    return { ok: false, field: '', problem: `exactly one of ${SPECIFIERS.join(', ')} is required; ${found}` };
  }
  // Envoy ignores caseSensitive for safe_regex; so does this.
  const caseSensitive = input.caseSensitive !== false;
  const fold = (text: string): string => (caseSensitive ? text : toAsciiLowerCase(text));
  if (input.prefix !== undefined) {
    const key = fold(input.prefix);
    return {
      ok: true,
      matcher: new PrefixPathMatcher(key, caseSensitive),
      description: { type: 'prefix', prefix: input.prefix, caseSensitive },
      indexKey: { kind: 'prefix', key, caseSensitive },
    };
  }
  if (input.path !== undefined) {
    const key = fold(input.path);
    return {
      ok: true,
      matcher: new ExactPathMatcher(key, caseSensitive),
      description: { type: 'path', path: input.path, caseSensitive },
      indexKey: { kind: 'exact', key, caseSensitive },
    };
  }
  if (input.pathSeparatedPrefix !== undefined) {
    const prefix = input.pathSeparatedPrefix;
    if (!SEPARATED_PREFIX.test(prefix)) {
      return { ok: false, field: '.pathSeparatedPrefix', problem: `'${prefix}' must be non-empty, without '?' or '#', and not end in '/'` };
    }
    const key = fold(prefix);
    return {
      ok: true,
      matcher: new SeparatedPrefixPathMatcher(key, caseSensitive),
      description: { type: 'pathSeparatedPrefix', prefix, caseSensitive },
      indexKey: { kind: 'separated', key, caseSensitive },
    };
  }
  const source = input.safeRegex?.regex ?? '';
  const compiled = compileSafeRegex(source);
  if (!compiled.ok) return { ok: false, field: '.safeRegex.regex', problem: compiled.problem, cause: compiled.cause };
  const literal = regexLiteralPrefix(source);
  return {
    ok: true,
    matcher: new RegexPathMatcher(compiled.regex),
    description: { type: 'regex', regex: source },
    // A full match must start with the pattern's literal prefix, so the route can be filed
    // under it like a prefix route; the regex still decides.
    indexKey: literal.length > 0 ? { kind: 'prefix', key: literal, caseSensitive: true } : { kind: 'none' },
  };
}

const METACHARACTERS = new Set(['.', '^', '$', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\']);
const QUANTIFIERS = new Set(['*', '+', '?', '{']);

/**
 * The literal text every full match of `source` starts with ('' when unsure). Conservative: any
 * `|` gives '', it stops at the first construct that is not a plain ASCII character or escaped
 * punctuation, and it drops a last character that a quantifier follows. Shorter is always safe.
 */
export function regexLiteralPrefix(source: string): string {
  if (source.includes('|')) return '';
  let prefix = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? '';
    let literal: string;
    let width = 1;
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      if (!/^[!-/:-@[-`{-~]$/.test(next)) break;
      literal = next;
      width = 2;
    } else if (METACHARACTERS.has(char) || char < ' ' || char > '~') break;
    else literal = char;
    if (QUANTIFIERS.has(source[i + width] ?? '')) break;
    prefix += literal;
    i += width;
  }
  return prefix;
}
