import type { RouteActionInput } from './route-action-input.js';
import type { CompiledRegexRewrite } from './route-policies.js';
import { compileSafeRegex, compileSubstitution } from './safe-regex.js';
import type { SafeRegex } from './safe-regex.js';
import type { MatcherProblem } from './string-matcher.js';

class RegexRewrite implements CompiledRegexRewrite {
  constructor(
    readonly regex: string,
    readonly substitution: string,
    private readonly pattern: SafeRegex,
    private readonly pieces: readonly (string | number)[],
  ) {
    Object.freeze(this);
  }

  replaceAll(path: string): string {
    return this.pattern.replaceAll(path, this.pieces);
  }
}

export type RegexRewriteResult = { ok: true; rewrite: CompiledRegexRewrite } | MatcherProblem;

/** Compiles Envoy's RegexMatchAndSubstitute; a problem's field is relative to it. */
export function compileRegexRewrite(input: NonNullable<RouteActionInput['regexRewrite']>): RegexRewriteResult {
  const pattern = compileSafeRegex(input.pattern.regex);
  if (!pattern.ok) return { ok: false, field: '.pattern.regex', problem: pattern.problem, cause: pattern.cause };
  const substitution = compileSubstitution(input.substitution, pattern.regex.groupCount);
  if (!substitution.ok) return { ok: false, field: '.substitution', problem: substitution.problem };
  return { ok: true, rewrite: new RegexRewrite(input.pattern.regex, input.substitution, pattern.regex, substitution.pieces) };
}
