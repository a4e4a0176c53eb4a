import { includesIgnoreCase, regionEqualsIgnoreCase, toAsciiLowerCase } from './ascii.js';
import { compileSafeRegex } from './safe-regex.js';
import type { SafeRegex } from './safe-regex.js';
import type { StringMatchInput } from './route-config-input.js';

/** A compiled Envoy StringMatcher. */
export interface StringMatcher {
  /** HOT PATH: per request; must not allocate, compile or throw. */
  matches(value: string): boolean;
}

// HOT PATH: every matches() below runs per request; patterns are folded at compile time and
// values are folded while comparing, so nothing is allocated.

class ExactMatcher implements StringMatcher {
  constructor(private readonly expected: string) {}
  matches(value: string): boolean {
    return value === this.expected;
  }
}

class ExactIgnoreCaseMatcher implements StringMatcher {
  constructor(private readonly lowerExpected: string) {}
  matches(value: string): boolean {
    return value.length === this.lowerExpected.length && regionEqualsIgnoreCase(value, 0, this.lowerExpected);
  }
}

class PrefixMatcher implements StringMatcher {
  constructor(private readonly prefix: string, private readonly ignoreCase: boolean) {}
  matches(value: string): boolean {
    return this.ignoreCase ? regionEqualsIgnoreCase(value, 0, this.prefix) : value.startsWith(this.prefix);
  }
}

class SuffixMatcher implements StringMatcher {
  constructor(private readonly suffix: string, private readonly ignoreCase: boolean) {}
  matches(value: string): boolean {
    return this.ignoreCase
      ? regionEqualsIgnoreCase(value, value.length - this.suffix.length, this.suffix)
      : value.endsWith(this.suffix);
  }
}

class ContainsMatcher implements StringMatcher {
  constructor(private readonly part: string, private readonly ignoreCase: boolean) {}
  matches(value: string): boolean {
    return this.ignoreCase ? includesIgnoreCase(value, this.part) : value.includes(this.part);
  }
}

class RegexMatcher implements StringMatcher {
  constructor(private readonly regex: SafeRegex) {}
  matches(value: string): boolean {
    return this.regex.fullMatch(value);
  }
}

/** A config problem with the relative field it concerns (`''` for the matcher itself). */
export interface MatcherProblem {
  ok: false;
  field: string;
  problem: string;
  cause?: unknown;
}

export type StringMatcherResult = { ok: true; matcher: StringMatcher } | MatcherProblem;

const SPECIFIERS = ['exact', 'prefix', 'suffix', 'contains', 'safeRegex'] as const;

/** Compiles a StringMatcher input; never throws. */
export function compileStringMatcher(input: StringMatchInput): StringMatcherResult {
  const given = SPECIFIERS.filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    const problem = given.length === 0 ? 'none is set' : `${given.join(' and ')} are all set`;
    return { ok: false, field: '', problem: `exactly one of exact, prefix, suffix, contains, safeRegex is required; ${problem}` };
  }
  const ignoreCase = input.ignoreCase === true;
  const fold = (text: string): string => (ignoreCase ? toAsciiLowerCase(text) : text);
  if (input.exact !== undefined) {
    return { ok: true, matcher: ignoreCase ? new ExactIgnoreCaseMatcher(fold(input.exact)) : new ExactMatcher(input.exact) };
  }
  if (input.safeRegex !== undefined) {
    const compiled = compileSafeRegex(input.safeRegex.regex);
    if (!compiled.ok) return { ok: false, field: '.safeRegex.regex', problem: compiled.problem, cause: compiled.cause };
    return { ok: true, matcher: new RegexMatcher(compiled.regex) };
  }
  if (input.prefix !== undefined) return nonEmpty('prefix', input.prefix, new PrefixMatcher(fold(input.prefix), ignoreCase));
  if (input.suffix !== undefined) return nonEmpty('suffix', input.suffix, new SuffixMatcher(fold(input.suffix), ignoreCase));
  const contains = input.contains ?? '';
  return nonEmpty('contains', contains, new ContainsMatcher(fold(contains), ignoreCase));
}

// Envoy requires a non-empty prefix, suffix and contains: an empty one would match anything.
function nonEmpty(key: string, text: string, matcher: StringMatcher): StringMatcherResult {
  if (text.length === 0) return { ok: false, field: `.${key}`, problem: `${key} must not be empty` };
  return { ok: true, matcher };
}
