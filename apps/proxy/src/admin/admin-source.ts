import type { WorkloadIdentity } from '@meshkit/identity';
import type { HealthCheckState } from '../filters/health-check-filter.js';
import type { ProxyRuntime } from '../runtime/proxy-runtime.js';
import { clustersText } from './clusters-text.js';
import { configDump } from './config-dump.js';
import { envoyStatsText, serverStatsText } from './metrics.js';
import type { ProxyMetrics } from './metrics.js';
import { envoyStatsPlainText } from './stats-text.js';

/** What `/ready` answers: LIVE (200), or PRE_INITIALIZING or DRAINING (503), as Envoy's server states. */
export type Readiness = 'LIVE' | 'PRE_INITIALIZING' | 'DRAINING';

export interface ListenerStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

/**
 * Everything the admin API shows and does. One proxy process answers from its own runtime
 * (`localAdminSource`); with `--concurrency` the primary asks its workers and merges their answers.
 * Plain data in and out, so that a worker can answer over IPC.
 */
export interface AdminSource {
  readiness(): Promise<Readiness>;
  configDump(includeEds: boolean): Promise<unknown>;
  /** `/stats/prometheus`: Istio's metrics, then Envoy's own. */
  prometheusText(): Promise<string>;
  /** `/stats`: every stat as `name: value`, sorted by name; `filter` is a regular expression's source. */
  statsText(filter: string | undefined): Promise<string>;
  clustersText(): Promise<string>;
  listeners(): Promise<ListenerStatus[]>;
  /** `/healthcheck/fail` (true) and `/healthcheck/ok` (false). */
  setHealthCheckFailed(failed: boolean): Promise<void>;
  /** `/drain_listeners`: stops the chosen listeners, after the drain time when `graceful`. */
  drainListeners(inboundOnly: boolean, graceful: boolean): Promise<void>;
  /** `/quitquitquit`: drains and stops the proxy. */
  quit(): void;
}

export interface LocalAdminState {
  /** The bootstrap document as written (sensitive fields are redacted when shown). */
  readonly bootstrap: unknown;
  readonly runtime: ProxyRuntime;
  readonly metrics: ProxyMetrics;
  readonly health: HealthCheckState;
  /** Which `--concurrency` worker this process is (0 when it is the only one). */
  readonly workerIndex: number;
  identity(): WorkloadIdentity | undefined;
  isReady(): boolean;
  isDraining(): boolean;
  drainListeners(inboundOnly: boolean, graceful: boolean): void;
  quit(): void;
}

/** The admin API of one proxy process, read from its runtime. */
export function localAdminSource(state: LocalAdminState): AdminSource {
  const { runtime } = state;
  const readiness = (): Readiness => (state.isDraining() ? 'DRAINING' : state.isReady() ? 'LIVE' : 'PRE_INITIALIZING');
  return {
    readiness: () => Promise.resolve(readiness()),
    configDump: (includeEds) => Promise.resolve(configDump(state.bootstrap, runtime, state.identity(), includeEds)),
    prometheusText: async () => {
      const hcms = runtime.listenerManager.listeners.flatMap((l) => l.hcms);
      const envoy = envoyStatsText(runtime.clusters, hcms, runtime.listenerManager.connectionStats, runtime.listenerManager.codecStats);
      return (await state.metrics.prometheusText()) + envoy + serverStatsText(readiness() === 'LIVE', 1);
    },
    statsText: (filter) =>
      Promise.resolve(envoyStatsPlainText(runtime, readiness() === 'LIVE', filter === undefined ? undefined : new RegExp(filter), state.workerIndex)),
    clustersText: () => Promise.resolve(clustersText(runtime)),
    // The bound port, so a listener configured on port 0 shows the port it got.
    listeners: () => Promise.resolve(runtime.listenerManager.listeners.map((l) => ({ name: l.spec.name, address: l.spec.host, port: l.boundPort }))),
    setHealthCheckFailed: (failed) => {
      state.health.failed = failed;
      return Promise.resolve();
    },
    drainListeners: (inboundOnly, graceful) => Promise.resolve(state.drainListeners(inboundOnly, graceful)),
    quit: () => state.quit(),
  };
}
