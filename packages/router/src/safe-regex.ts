// Envoy's safe_regex is RE2: linear-time, no backtracking-only constructs, and it must match the
// whole input. meshkit runs it on JavaScript's engine but refuses what RE2 would refuse, so a
// configuration accepted here is accepted by Envoy too, and anchors it the way RE2's FullMatch does.

/** A description of the first construct RE2 does not support, or undefined when there is none. */
export function findNonPortableConstruct(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      const next = source[i + 1] ?? '';
      // RE2 has no backreferences; it reads `\12` as octal where JavaScript may read a
      // backreference, so any escaped non-zero digit is refused rather than guessed.
      if (next >= '1' && next <= '9') return `backreference or octal escape '\\${next}' at offset ${i}`;
      if (next === 'k') return `named backreference '\\k' at offset ${i}`;
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4);
      if (kind.startsWith('=') || kind.startsWith('!')) return `lookahead '(?${kind[0] ?? ''}' at offset ${i}`;
      if (kind === '<=' || kind === '<!') return `lookbehind '(?${kind}' at offset ${i}`;
    }
  }
  return undefined;
}

export type SafeRegexResult = { ok: true; regex: RegExp } | { ok: false; problem: string; cause?: unknown };

/** Compiles `source` to a RegExp that must match a whole string; never throws. */
export function compileSafeRegex(source: string): SafeRegexResult {
  if (source.length === 0) return { ok: false, problem: 'regex must not be empty' };
  const unsupported = findNonPortableConstruct(source);
  if (unsupported !== undefined) return { ok: false, problem: `regex uses ${unsupported}, which RE2 does not support` };
  try {
    // Compiled bare first: wrapped in a group, an unbalanced `a)|(b` would compile into a
    // different, valid expression.
    new RegExp(source);
    return { ok: true, regex: new RegExp(`^(?:${source})$`) };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, problem: `invalid regex: ${reason}`, cause };
  }
}
