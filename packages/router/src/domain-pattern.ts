import { toAsciiLowerCase } from './ascii.js';

/** A virtual host domain, classified the way Envoy indexes it. */
export type DomainPattern =
  | { readonly kind: 'exact'; readonly host: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'any' };

export type DomainPatternResult = { ok: true; pattern: DomainPattern } | { ok: false; problem: string };

/** Parses one configured domain; the pattern is ASCII lower-cased. */
export function parseDomainPattern(domain: string): DomainPatternResult {
  if (domain.length === 0) return { ok: false, problem: 'domain must not be empty' };
  const lower = toAsciiLowerCase(domain);
  if (lower === '*') return { ok: true, pattern: { kind: 'any' } };
  const first = lower.indexOf('*');
  if (first === -1) return { ok: true, pattern: { kind: 'exact', host: lower } };
  if (first !== lower.lastIndexOf('*')) {
    return { ok: false, problem: `domain '${domain}' has more than one '*'; a wildcard may only lead or end a domain` };
  }
  if (first === 0) return { ok: true, pattern: { kind: 'suffix', suffix: lower.slice(1) } };
  if (first === lower.length - 1) return { ok: true, pattern: { kind: 'prefix', prefix: lower.slice(0, -1) } };
  return { ok: false, problem: `domain '${domain}' has '*' in the middle; a wildcard may only lead or end a domain` };
}
