import { endpointKey } from '../endpoint.js';
import { grpcHealthProbe } from './grpc-health-probe.js';
import { httpHealthProbe } from './http-health-probe.js';
import { tcpHealthProbe } from './tcp-health-probe.js';
import type { Endpoint } from '../endpoint.js';
import type { GrpcHealthCheck } from './grpc-health-probe.js';
import type { HealthProbe, ProbeTransport } from './health-probe.js';
import type { HttpHealthCheck } from './http-health-probe.js';

export interface HealthCheckOptions {
  /** Time between checks of one endpoint. */
  readonly intervalMs: number;
  /** A check that has not answered after this long fails. */
  readonly timeoutMs: number;
  /**
   * Consecutive failures to complete a check (refused, reset, timed out, a retriable status) that
   * make a healthy endpoint unhealthy. Default 3. An endpoint that answers "unhealthy" (an
   * unexpected status, NOT_SERVING) is marked unhealthy at once, as in Envoy.
   */
  readonly unhealthyThreshold?: number;
  /** Consecutive successes that make an unhealthy endpoint healthy again. Default 2. */
  readonly healthyThreshold?: number;
  /** Up to this much random extra delay per interval, so checks of many endpoints spread out. Default 0. */
  readonly intervalJitterMs?: number;
  /** A new member's first check waits a random time up to this (Envoy's `initial_jitter`). Default 0: at once. */
  readonly initialJitterMs?: number;
  /** After a failed check of an endpoint already unhealthy, or one that just made it so (Envoy's `unhealthy_interval`). Default `intervalMs`. */
  readonly unhealthyIntervalMs?: number;
  /** After a failed check that has not yet made a healthy endpoint unhealthy (`unhealthy_edge_interval`). Default `unhealthyIntervalMs`. */
  readonly unhealthyEdgeIntervalMs?: number;
  /** After a passed check that has not yet made an unhealthy endpoint healthy (`healthy_edge_interval`). Default `intervalMs`. */
  readonly healthyEdgeIntervalMs?: number;
  /**
   * Instead of all the above while the cluster has never opened a connection (`no_traffic_interval`;
   * Envoy's default is 60 s, which the proxy applies). Default: no separate interval.
   */
  readonly noTrafficIntervalMs?: number;
  /** For a healthy endpoint while the cluster has no traffic (`no_traffic_healthy_interval`). Default `noTrafficIntervalMs`. */
  readonly noTrafficHealthyIntervalMs?: number;
  /**
   * Keep a new member out of the host set (out of the panic arithmetic too) until its first
   * check has answered (Envoy's `ignore_new_hosts_until_first_hc`). Default false: a new member is
   * in the host set at once, as unhealthy until its first check passes.
   */
  readonly ignoreNewHostsUntilFirstCheck?: boolean;
  /** Exactly one of `http`, `tcp`, `grpc`, `probe`. */
  readonly http?: HttpHealthCheck;
  readonly tcp?: Record<string, never>;
  readonly grpc?: GrpcHealthCheck;
  /** A custom check, for checks the package does not ship. */
  readonly probe?: HealthProbe;
}

/** Counters the cluster merges into its stats (Envoy's `health_check.*`, with `_` for `.`). */
export interface HealthCheckStats {
  health_check_attempt: number;
  health_check_success: number;
  health_check_failure: number;
}

/** How one check ended: passed, answered "unhealthy", or could not complete. */
type Outcome = 'pass' | 'unhealthy' | 'incomplete';

/** What a check did to its endpoint's verdict: flipped it, moved it toward a threshold, or neither. */
type Transition = 'changed' | 'pending' | 'unchanged';

interface Target {
  endpoint: Endpoint;
  /** Not yet checked. */
  unchecked: boolean;
  /** Not yet checked, and held out of the host set until it is. */
  pending: boolean;
  healthy: boolean;
  failures: number;
  successes: number;
  timer: NodeJS.Timeout | null;
  inFlight: AbortController | null;
}

/**
 * Checks every endpoint of a host set on its own timer and reports each change of verdict at
 * once (after the thresholds), so the cluster can rebuild its balancer before the next request.
 * As in Envoy, a new endpoint is unhealthy until its first check, which runs immediately and
 * decides alone: one pass makes it healthy, whatever `healthyThreshold` says.
 */
export class HealthChecker {
  readonly #options: HealthCheckOptions;
  readonly #probe: HealthProbe;
  readonly #stats: HealthCheckStats;
  readonly #onChange: (endpoint: Endpoint, healthy: boolean) => void;
  readonly #targets = new Map<string, Target>();
  /** Callers of `whenChecked` waiting for members' first checks. */
  #waiters: Array<() => void> = [];
  #stopped = false;
  readonly #hasTraffic: () => boolean;

  /** `hasTraffic` tells whether the cluster has ever opened a connection (for `noTrafficIntervalMs`). */
  constructor(
    options: HealthCheckOptions,
    transport: ProbeTransport,
    stats: HealthCheckStats,
    onChange: (endpoint: Endpoint, healthy: boolean) => void,
    hasTraffic: () => boolean = () => true,
  ) {
    this.#options = options;
    this.#hasTraffic = hasTraffic;
    this.#probe = chooseProbe(options, transport);
    this.#stats = stats;
    this.#onChange = onChange;
  }

  /** False when active checks have marked this endpoint unhealthy. */
  isHealthy(endpoint: Endpoint): boolean {
    return this.#targets.get(endpointKey(endpoint))?.healthy ?? true;
  }

  /** True while a new member waits for its first check (only with `ignoreNewHostsUntilFirstCheck`). */
  isPending(endpoint: Endpoint): boolean {
    return this.#targets.get(endpointKey(endpoint))?.pending ?? false;
  }

  /**
   * Resolves once every current member has answered its first check (Envoy's cluster warming).
   * Each check is bounded by `timeoutMs`, so this is too.
   */
  whenChecked(): Promise<void> {
    if (this.#stopped || !this.#anyUnchecked()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Starts checking new members and stops checking members that left. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    if (this.#stopped) return;
    const keep = new Set<string>();
    for (const endpoint of endpoints) {
      const key = endpointKey(endpoint);
      keep.add(key);
      const existing = this.#targets.get(key);
      if (existing !== undefined) {
        existing.endpoint = endpoint;
        continue;
      }
      const pending = this.#options.ignoreNewHostsUntilFirstCheck === true;
      const target: Target = { endpoint, unchecked: true, pending, healthy: false, failures: 0, successes: 0, timer: null, inFlight: null };
      this.#targets.set(key, target);
      const jitter = this.#options.initialJitterMs ?? 0;
      this.#schedule(target, jitter > 0 ? Math.random() * jitter : 0);
    }
    for (const [key, target] of this.#targets) {
      if (keep.has(key)) continue;
      this.#cancel(target);
      this.#targets.delete(key);
    }
    this.#wakeWaiters();
  }

  stop(): void {
    this.#stopped = true;
    for (const target of this.#targets.values()) this.#cancel(target);
    this.#targets.clear();
    this.#wakeWaiters();
  }

  #anyUnchecked(): boolean {
    for (const target of this.#targets.values()) if (target.unchecked) return true;
    return false;
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0 || (!this.#stopped && this.#anyUnchecked())) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  #schedule(target: Target, delayMs: number): void {
    const timer = setTimeout(() => this.#check(target), delayMs);
    timer.unref();
    target.timer = timer;
  }

  /** Envoy's choice of interval from this check's result and what it did to the verdict. */
  #nextDelay(passed: boolean, transition: Transition): number {
    const o = this.#options;
    const unhealthyMs = o.unhealthyIntervalMs ?? o.intervalMs;
    let baseMs: number;
    if (o.noTrafficIntervalMs !== undefined && !this.#hasTraffic()) {
      baseMs = passed && transition !== 'pending' ? (o.noTrafficHealthyIntervalMs ?? o.noTrafficIntervalMs) : o.noTrafficIntervalMs;
    } else if (passed) {
      baseMs = transition === 'pending' ? (o.healthyEdgeIntervalMs ?? o.intervalMs) : o.intervalMs;
    } else {
      baseMs = transition === 'pending' ? (o.unhealthyEdgeIntervalMs ?? unhealthyMs) : unhealthyMs;
    }
    const jitter = o.intervalJitterMs ?? 0;
    return baseMs + (jitter > 0 ? Math.random() * jitter : 0);
  }

  #check(target: Target): void {
    target.timer = null;
    const controller = new AbortController();
    target.inFlight = controller;
    this.#stats.health_check_attempt++;
    const timeout = setTimeout(() => controller.abort(new Error(`health check timed out after ${this.#options.timeoutMs} ms`)), this.#options.timeoutMs);
    timeout.unref();
    this.#probe(target.endpoint, controller.signal)
      .then(
        (healthy): Outcome => (healthy ? 'pass' : 'unhealthy'),
        (): Outcome => 'incomplete',
      )
      .then((outcome) => {
        clearTimeout(timeout);
        // A check that finished after its endpoint left (or after stop) reports nothing.
        if (target.inFlight !== controller || this.#stopped) return;
        target.inFlight = null;
        // An answer that arrived after the timeout fired is a timeout all the same.
        const final = controller.signal.aborted ? 'incomplete' : outcome;
        this.#schedule(target, this.#nextDelay(final === 'pass', this.#record(target, final)));
      })
      .catch(ignore);
  }

  #record(target: Target, outcome: Outcome): Transition {
    const ok = outcome === 'pass';
    if (target.unchecked) {
      // The first answer decides at once: there is no earlier verdict for thresholds to protect.
      target.unchecked = false;
      target.pending = false;
      if (ok) this.#stats.health_check_success++;
      else this.#stats.health_check_failure++;
      target.successes = ok ? 1 : 0;
      target.failures = ok ? 0 : 1;
      this.#flip(target, ok);
      this.#wakeWaiters();
      return 'changed';
    }
    if (ok) {
      this.#stats.health_check_success++;
      target.failures = 0;
      target.successes++;
      if (target.healthy) return 'unchanged';
      if (target.successes < (this.#options.healthyThreshold ?? 2)) return 'pending';
      this.#flip(target, true);
      return 'changed';
    }
    this.#stats.health_check_failure++;
    target.successes = 0;
    target.failures++;
    if (!target.healthy) return 'unchanged';
    if (target.failures < (outcome === 'unhealthy' ? 1 : (this.#options.unhealthyThreshold ?? 3))) return 'pending';
    this.#flip(target, false);
    return 'changed';
  }

  #flip(target: Target, healthy: boolean): void {
    target.healthy = healthy;
    this.#onChange(target.endpoint, healthy);
  }

  #cancel(target: Target): void {
    if (target.timer !== null) clearTimeout(target.timer);
    target.timer = null;
    target.inFlight?.abort(new Error('health checking stopped'));
    target.inFlight = null;
  }
}

function chooseProbe(options: HealthCheckOptions, transport: ProbeTransport): HealthProbe {
  if (options.probe !== undefined) return options.probe;
  if (options.http !== undefined) return httpHealthProbe(options.http, transport);
  if (options.grpc !== undefined) return grpcHealthProbe(options.grpc, transport);
  return tcpHealthProbe(transport);
}

function ignore(): void {}
