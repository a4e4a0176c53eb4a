import { codecStatEntries } from '@meshkit/filters';
import type { NetworkFilterStats } from '@meshkit/filters';
import type { ProxyRuntime } from '../runtime/proxy-runtime.js';

/** The counters of every network filter in the live listeners (one entry per compiled filter). */
export function networkFilterStats(runtime: ProxyRuntime): NetworkFilterStats[] {
  const seen = new Set<NetworkFilterStats>();
  for (const listener of runtime.listenerManager.listeners) {
    for (const chain of listener.chains.values()) {
      const { networkFilters, terminal } = chain.spec;
      for (const filter of [...networkFilters, ...(terminal.kind === 'tcp_proxy' && terminal.filter !== undefined ? [terminal.filter] : [])]) {
        if (filter.stats !== undefined) seen.add(filter.stats);
      }
    }
  }
  return [...seen];
}

function add(lines: Map<string, number>, name: string, value: number): void {
  // Two filters with one stat_prefix share their stats, as in Envoy.
  lines.set(name, (lines.get(name) ?? 0) + value);
}

/** Stats Envoy also keeps per worker, as `listener.<address>.worker_<index>.*`. */
const PER_WORKER = new Set(['downstream_cx_total', 'downstream_cx_active']);

/** Envoy's `/stats`: one `name: value` line per counter and gauge, sorted by name. `workerIndex` names this process's listener stats. */
export function envoyStatsPlainText(runtime: ProxyRuntime, isLive: boolean, filter: RegExp | undefined, workerIndex = 0): string {
  const lines = new Map<string, number>();
  for (const name of runtime.clusters.names()) {
    const cluster = runtime.clusters.get(name);
    if (cluster === undefined) continue;
    for (const [stat, value] of Object.entries(cluster.publishedStats())) {
      if (typeof value === 'number') add(lines, `cluster.${cluster.statName}.${stat}`, value);
    }
  }
  const listeners = runtime.listenerManager.listeners;
  for (const listener of listeners) {
    for (const hcm of listener.hcms) {
      for (const [stat, value] of Object.entries(hcm.stats)) if (typeof value === 'number') add(lines, `http.${hcm.statPrefix}.${stat}`, value);
    }
  }
  for (const [address, stats] of runtime.listenerManager.connectionStats) {
    for (const [stat, value] of Object.entries({ ...stats })) {
      add(lines, `listener.${address}.${stat}`, value);
      if (PER_WORKER.has(stat)) add(lines, `listener.${address}.worker_${workerIndex}.${stat}`, value);
    }
  }
  for (const [name, value] of codecStatEntries(runtime.listenerManager.codecStats)) add(lines, name, value);
  for (const { prefix, counters } of networkFilterStats(runtime)) {
    for (const [stat, value] of Object.entries(counters)) add(lines, `${prefix}${stat}`, value);
  }
  add(lines, 'listener_manager.total_listeners_active', listeners.length);
  add(lines, 'server.live', isLive ? 1 : 0);
  add(lines, 'server.concurrency', 1);
  return plainStatsText(lines, filter);
}

/** Envoy's `/stats` text for `stats`: one `name: value` line each, sorted by name, those `filter` matches only. */
export function plainStatsText(stats: ReadonlyMap<string, number>, filter: RegExp | undefined): string {
  return [...stats]
    .filter(([name]) => filter === undefined || filter.test(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}: ${value}\n`)
    .join('');
}
