/** Healthy upstream members per locality and the local (calling) cluster's size per locality. */
export interface ZoneShares {
  readonly localityKeys: readonly string[];
  /** Healthy upstream members in each locality, same order as `localityKeys`. */
  readonly upstreamHealthy: readonly number[];
  /** Members of the caller's own cluster in each locality, same order. */
  readonly localMembers: readonly number[];
  /** Index of the caller's locality in `localityKeys`. */
  readonly localIndex: number;
}

/**
 * Envoy's zone-aware routing: when the caller's locality holds at least as large a share of the
 * upstream's healthy members as of the callers, all traffic stays local ("direct"). Otherwise the
 * local locality gets upstream%/local% of the traffic and the rest goes to other localities in
 * proportion to their residual capacity, max(0, upstream% − local%) ("residual").
 * Returns the fraction of traffic for each locality, summing to 1.
 */
export function zoneAwareFractions(shares: ZoneShares): number[] {
  const { upstreamHealthy, localMembers, localIndex } = shares;
  const upstreamTotal = upstreamHealthy.reduce((sum, n) => sum + n, 0);
  const localTotal = localMembers.reduce((sum, n) => sum + n, 0);
  const fractions = upstreamHealthy.map(() => 0);
  if (upstreamTotal === 0) return fractions;
  const upstreamShare = upstreamHealthy.map((n) => n / upstreamTotal);
  const localShare = localMembers.map((n) => (localTotal === 0 ? 0 : n / localTotal));
  const upstreamLocal = upstreamShare[localIndex] ?? 0;
  const localLocal = localShare[localIndex] ?? 0;

  if (upstreamLocal >= localLocal) {
    fractions[localIndex] = 1;
    return fractions;
  }
  const stayLocal = upstreamLocal / localLocal;
  fractions[localIndex] = stayLocal;
  const residual = upstreamShare.map((share, i) => (i === localIndex ? 0 : Math.max(0, share - (localShare[i] ?? 0))));
  const residualTotal = residual.reduce((sum, r) => sum + r, 0);
  for (let i = 0; i < fractions.length; i++) {
    if (i === localIndex) continue;
    // No residual capacity anywhere (possible only through rounding): spread by upstream share.
    const weight = residualTotal > 0 ? (residual[i] ?? 0) / residualTotal : (upstreamShare[i] ?? 0) / (1 - upstreamLocal);
    fractions[i] = (1 - stayLocal) * weight;
  }
  return fractions;
}
