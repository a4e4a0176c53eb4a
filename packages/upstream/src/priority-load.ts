/** Health of one priority level: how many members it has and how many are healthy. */
export interface PriorityHealth {
  readonly total: number;
  readonly healthy: number;
}

/** How traffic is split across priority levels, and which levels are in panic. */
export interface PriorityLoad {
  /** Percent of traffic per priority level (index = priority), summing to 100 or all 0. */
  readonly percent: readonly number[];
  /** Per level: route to every member, healthy or not, because too few are healthy. */
  readonly panic: readonly boolean[];
}

export interface PriorityLoadOptions {
  /** Envoy's overprovisioning factor as a ratio. Default 1.4. */
  readonly overprovisioningFactor?: number;
  /** Envoy's `healthy_panic_threshold` in percent; 0 disables panic. Default 50. */
  readonly panicThresholdPercent?: number;
}

export const DEFAULT_OVERPROVISIONING_FACTOR = 1.4;
export const DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

/**
 * Envoy's priority-level arithmetic, as its docs state it:
 * - health(P) = min(100, factor * 100 * healthy / total);
 * - normalized total health = min(100, Σ health);
 * - P0 takes health(P0) * 100 / normalized total, each next level takes what its own health
 *   allows of what is left, so the loads always sum to 100 once any level has health;
 * - panic is ignored while the normalized total is 100; below that, a level whose raw healthy
 *   share is under the threshold routes to all its members; when every level with members is
 *   in panic, load is split by member count instead.
 */
export function computePriorityLoad(levels: readonly PriorityHealth[], options: PriorityLoadOptions = {}): PriorityLoad {
  const factor = options.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR;
  const threshold = options.panicThresholdPercent ?? DEFAULT_PANIC_THRESHOLD_PERCENT;
  const health = levels.map((level) => (level.total === 0 ? 0 : Math.min(100, (factor * 100 * level.healthy) / level.total)));
  const normalizedTotal = Math.min(100, health.reduce((sum, value) => sum + value, 0));

  const panic = levels.map((level) => {
    if (normalizedTotal >= 100 || threshold <= 0 || level.total === 0) return false;
    return (100 * level.healthy) / level.total < threshold;
  });
  const populated = levels.filter((level) => level.total > 0).length;
  const totalPanic = populated > 0 && panic.filter(Boolean).length === populated;

  if (totalPanic) {
    const members = levels.reduce((sum, level) => sum + level.total, 0);
    return { percent: levels.map((level) => (100 * level.total) / members), panic };
  }
  if (normalizedTotal === 0) return { percent: levels.map(() => 0), panic };

  let remaining = 100;
  const percent = health.map((value) => {
    const share = Math.min(remaining, (value * 100) / normalizedTotal);
    remaining -= share;
    return share;
  });
  return { percent, panic };
}
