import { RE2JS } from 're2js';

// Envoy's safe_regex is RE2: linear time, no backreferences or lookaround, and a route or header
// regex must match the whole input (FullMatch). meshkit runs the same engine (re2js, a port of
// RE2), so what Envoy accepts is accepted here, what it refuses is refused, and no pattern can
// make matching super-linear in the input.

/** A compiled RE2 pattern. */
export class SafeRegex {
  constructor(
    readonly source: string,
    private readonly re2: RE2JS,
  ) {}

  /** HOT PATH: per request; linear time in `input`, never throws. */
  fullMatch(input: string): boolean {
    return this.re2.testExact(input);
  }

  get groupCount(): number {
    return this.re2.groupCount();
  }

  /**
   * Every non-overlapping match replaced, as RE2::GlobalReplace does. `pieces` is a compiled
   * substitution: literal text at even indexes, group numbers at odd ones.
   */
  replaceAll(input: string, pieces: readonly (string | number)[]): string {
    return this.re2.matcher(input).replaceAll((...args: unknown[]) => {
      let out = '';
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i];
        if (typeof piece === 'string') out += piece;
        else if (piece !== undefined) {
          const group = args[piece];
          if (typeof group === 'string') out += group;
        }
      }
      return out;
    });
  }
}

export type SafeRegexResult = { ok: true; regex: SafeRegex } | { ok: false; problem: string; cause?: unknown };

/** Compiles an RE2 pattern; never throws. */
export function compileSafeRegex(source: string): SafeRegexResult {
  if (source.length === 0) return { ok: false, problem: 'regex must not be empty' };
  try {
    return { ok: true, regex: new SafeRegex(source, RE2JS.compile(source)) };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, problem: `invalid RE2 regex: ${reason}`, cause };
  }
}

export type SubstitutionResult = { ok: true; pieces: readonly (string | number)[] } | { ok: false; problem: string };

/**
 * Parses an RE2 rewrite string: `\0`…`\9` insert a group, `\\` a backslash; any other escape,
 * or a group the regex does not have, is refused (as RE2 refuses it when Envoy loads the config).
 */
export function compileSubstitution(substitution: string, groupCount: number): SubstitutionResult {
  const pieces: (string | number)[] = [];
  let literal = '';
  for (let i = 0; i < substitution.length; i++) {
    const char = substitution[i] ?? '';
    if (char !== '\\') {
      literal += char;
      continue;
    }
    const next = substitution[++i] ?? '';
    if (next === '\\') literal += '\\';
    else if (next >= '0' && next <= '9') {
      const group = Number(next);
      if (group > groupCount) return { ok: false, problem: `substitution uses \\${group} but the regex has ${groupCount} group(s)` };
      pieces.push(literal, group);
      literal = '';
    } else return { ok: false, problem: `invalid escape '\\${next}' in substitution at offset ${i - 1}` };
  }
  pieces.push(literal);
  return { ok: true, pieces: Object.freeze(pieces) };
}
