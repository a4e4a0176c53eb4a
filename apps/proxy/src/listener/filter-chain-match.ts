import type { InspectedConnection } from './tls-inspector.js';

/** Envoy's `FilterChainMatch`, the subset this proxy implements. Empty lists and `undefined` match anything. */
export interface FilterChainMatch {
  readonly destinationPort: number | undefined;
  /** Lower-case; exact names or `*.suffix` wildcards. */
  readonly serverNames: readonly string[];
  readonly transportProtocol: string | undefined;
  readonly applicationProtocols: readonly string[];
}

export const MATCH_ANY: FilterChainMatch = { destinationPort: undefined, serverNames: [], transportProtocol: undefined, applicationProtocols: [] };

/** What a chain is chosen by: the connection's destination port and what the listener filters learned. */
export interface ChainSelectionInput extends InspectedConnection {
  readonly destinationPort: number;
}

/**
 * Narrows to the candidates whose criterion matches; when none does, to those that leave the
 * criterion empty — Envoy's rule: the most specific match wins, a missing criterion is a fallback.
 */
function narrow<T>(chains: readonly T[], isSet: (chain: T) => boolean, matches: (chain: T) => boolean): T[] {
  const specific = chains.filter((c) => isSet(c) && matches(c));
  return specific.length > 0 ? specific : chains.filter((c) => !isSet(c));
}

/** Exact name first, then the longest `*.suffix` that covers it (`*.example.com` covers `a.b.example.com`), then chains without names. */
function byServerName<T extends { match: FilterChainMatch }>(chains: readonly T[], serverName: string): T[] {
  const unnamed = chains.filter((c) => c.match.serverNames.length === 0);
  if (serverName === '') return unnamed;
  const exact = chains.filter((c) => c.match.serverNames.includes(serverName));
  if (exact.length > 0) return exact;
  for (let dot = serverName.indexOf('.'); dot !== -1; dot = serverName.indexOf('.', dot + 1)) {
    const wildcard = `*${serverName.slice(dot)}`;
    const covered = chains.filter((c) => c.match.serverNames.includes(wildcard));
    if (covered.length > 0) return covered;
  }
  return unnamed;
}

/**
 * Envoy's filter chain selection, criterion by criterion in its order: destination port, server
 * name, transport protocol, application protocols. `null` when no chain is left (the listener then
 * uses its `default_filter_chain`, or closes the connection).
 */
export function selectFilterChain<T extends { match: FilterChainMatch }>(chains: readonly T[], input: ChainSelectionInput): T | null {
  let left = narrow(chains, (c) => c.match.destinationPort !== undefined, (c) => c.match.destinationPort === input.destinationPort);
  left = byServerName(left, input.serverName);
  left = narrow(left, (c) => c.match.transportProtocol !== undefined, (c) => c.match.transportProtocol === input.transportProtocol);
  left = narrow(left, (c) => c.match.applicationProtocols.length > 0, (c) => c.match.applicationProtocols.some((p) => input.alpn.includes(p)));
  return left[0] ?? null;
}
