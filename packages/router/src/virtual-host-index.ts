import { isAsciiLowerCase, toAsciiLowerCase } from './ascii.js';
import { CharTrie } from './char-trie.js';
import type { DomainPattern } from './domain-pattern.js';
import { hostEndIgnoringPort, hostEndStrippingPort } from './host-port.js';

/** How the port in an authority takes part in host matching. */
export type PortMatching = 'match' | 'ignore' | 'stripMatching';

/**
 * Virtual host selection in Envoy's order: exact domain, then the longest suffix wildcard
 * (`*.foo.com`, `*-bar.foo.com`), then the longest prefix wildcard (`foo.*`), then `*`.
 * Case-insensitive; the port is part of the host unless ignored or stripped.
 */
export class VirtualHostIndex<T> {
  private readonly exact = new Map<string, T>();
  private readonly suffixes = new CharTrie<T>();
  private readonly prefixes = new CharTrie<T>();
  private any: T | undefined = undefined;
  private hasWildcards = false;

  constructor(private readonly portMatching: PortMatching) {}

  /** Registers a parsed domain; false when an equal domain is already registered. */
  add(pattern: DomainPattern, value: T): boolean {
    switch (pattern.kind) {
      case 'exact':
        if (this.exact.has(pattern.host)) return false;
        this.exact.set(pattern.host, value);
        return true;
      case 'suffix':
        this.hasWildcards = true;
        return this.suffixes.insert(pattern.suffix, value, true);
      case 'prefix':
        this.hasWildcards = true;
        return this.prefixes.insert(pattern.prefix, value, false);
      case 'any':
        if (this.any !== undefined) return false;
        this.any = value;
        return true;
    }
  }

  /** HOT PATH: per request. Allocates only when the authority needs lower-casing or its port cut. */
  find(authority: string, localPort: number | undefined): T | undefined {
    const end =
      this.portMatching === 'match'
        ? authority.length
        : this.portMatching === 'ignore'
          ? hostEndIgnoringPort(authority)
          : hostEndStrippingPort(authority, localPort);
    if (this.exact.size > 0) {
      const found = this.exact.get(exactKey(authority, end));
      if (found !== undefined) return found;
    }
    if (this.hasWildcards) {
      const found = this.suffixes.longestStrictSuffix(authority, end) ?? this.prefixes.longestStrictPrefix(authority, end);
      if (found !== undefined) return found;
    }
    return this.any;
  }
}

function exactKey(authority: string, end: number): string {
  if (end === authority.length && isAsciiLowerCase(authority)) return authority;
  return toAsciiLowerCase(authority.slice(0, end));
}
