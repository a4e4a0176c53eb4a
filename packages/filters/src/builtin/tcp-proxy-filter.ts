import { Buffer } from 'node:buffer';
import type { ClusterLookup } from './router-filter.js';
import { FilterConfigError } from '../errors.js';
import type { CompiledNetworkFilter, NetworkFilter, NetworkFilterContext, NetworkFilterFactory, NetworkFilterStatus } from '../network-filter.js';
import { connectTcpUpstream } from './tcp-proxy-upstream.js';
import type { Socket } from 'node:net';
import type { TcpUpstreamConnector } from './tcp-proxy-upstream.js';

export const TCP_PROXY_FILTER_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** Envoy's default `idle_timeout` for the TCP proxy: one hour. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 3_600_000;

const EMPTY = Buffer.alloc(0);

/** Envoy's `tcp.<stat_prefix>.*` counters. */
export type TcpProxyCounters = {
  downstream_cx_total: number;
  downstream_cx_no_route: number;
  downstream_cx_rx_bytes_total: number;
  downstream_cx_tx_bytes_total: number;
  downstream_flow_control_paused_reading_total: number;
  downstream_flow_control_resumed_reading_total: number;
  idle_timeout: number;
};

interface TcpProxyConfig {
  readonly statPrefix: string;
  /** Cluster names with cumulative weights; one entry when `cluster` is set. */
  readonly clusters: readonly { readonly name: string; readonly upTo: number }[];
  readonly totalWeight: number;
  readonly idleTimeoutMs: number;
}

function durationMs(field: string, value: unknown): number {
  if (typeof value !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(value)) throw new FilterConfigError(field, 'expected a duration like "30s"');
  return Math.ceil(Number(value.slice(0, -1)) * 1000);
}

function readConfig(raw: Readonly<Record<string, unknown>>): TcpProxyConfig {
  for (const key of Object.keys(raw)) {
    if (!['@type', 'stat_prefix', 'cluster', 'weighted_clusters', 'idle_timeout'].includes(key)) {
      throw new FilterConfigError(key, 'is not supported by this TCP proxy');
    }
  }
  const statPrefix = raw['stat_prefix'];
  if (typeof statPrefix !== 'string' || statPrefix === '') throw new FilterConfigError('stat_prefix', 'a non-empty string is required');
  const clusters: { name: string; upTo: number }[] = [];
  let total = 0;
  if (typeof raw['cluster'] === 'string' && raw['weighted_clusters'] === undefined) {
    clusters.push({ name: raw['cluster'], upTo: 1 });
    total = 1;
  } else if (raw['cluster'] === undefined && typeof raw['weighted_clusters'] === 'object' && raw['weighted_clusters'] !== null) {
    const weighted = raw['weighted_clusters'] as Record<string, unknown>;
    const list = weighted['clusters'];
    if (!Array.isArray(list) || list.length === 0) throw new FilterConfigError('weighted_clusters.clusters', 'a non-empty list is required');
    list.forEach((entry: Record<string, unknown>, i) => {
      const field = `weighted_clusters.clusters[${i}]`;
      for (const key of Object.keys(entry)) if (key !== 'name' && key !== 'weight') throw new FilterConfigError(`${field}.${key}`, 'is not supported by this TCP proxy');
      const weight = Number(entry['weight'] ?? 1);
      if (typeof entry['name'] !== 'string' || !Number.isInteger(weight) || weight < 0) throw new FilterConfigError(field, 'a name and a non-negative integer weight are required');
      total += weight;
      clusters.push({ name: entry['name'], upTo: total });
    });
    if (total === 0) throw new FilterConfigError('weighted_clusters.clusters', 'the weights add up to 0');
  } else {
    throw new FilterConfigError('cluster', 'exactly one of cluster and weighted_clusters is required');
  }
  const idle = raw['idle_timeout'];
  return { statPrefix, clusters, totalWeight: total, idleTimeoutMs: idle === undefined ? DEFAULT_TCP_IDLE_TIMEOUT_MS : durationMs('idle_timeout', idle) };
}

/**
 * One proxied connection. Downstream bytes are consumed here (`'stop'`) and written upstream;
 * upstream bytes go back through `ctx.write`. Each direction pauses the other's reader when its
 * writer is full, and a FIN travels on its own so half-closed connections keep the other way open.
 */
class TcpProxySession implements NetworkFilter {
  private upstream: Socket | null = null;
  private downstreamGone = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: NetworkFilterContext,
    private readonly config: TcpProxyConfig,
    private readonly counters: TcpProxyCounters,
    private readonly clusters: ClusterLookup,
    private readonly connectUpstream: TcpUpstreamConnector,
  ) {}

  onNewConnection(): NetworkFilterStatus {
    this.counters.downstream_cx_total++;
    const name = this.pickCluster();
    const cluster = this.clusters.get(name);
    if (cluster === undefined) {
      this.counters.downstream_cx_no_route++;
      this.ctx.close('now', 'NC');
      return 'stop';
    }
    // Reading stays off until the upstream is connected, so nothing needs buffering meanwhile.
    void this.connectUpstream(cluster).then(
      (result) => {
        if (!result.ok) {
          this.ctx.close('flush', result.flag);
          return;
        }
        if (this.downstreamGone) {
          result.socket.destroy();
          return;
        }
        this.attach(result.socket);
        this.ctx.continueReading();
      },
      () => this.ctx.close('flush', 'UF'),
    );
    return 'stop';
  }

  // HOT PATH: per downstream chunk.
  onData(data: Buffer, endStream: boolean): NetworkFilterStatus {
    const upstream = this.upstream;
    if (upstream === null) return 'stop';
    this.idleTimer?.refresh();
    if (data.length > 0) {
      this.counters.downstream_cx_rx_bytes_total += data.length;
      if (!upstream.write(data)) {
        this.counters.downstream_flow_control_paused_reading_total++;
        this.ctx.setReadPaused(true);
        upstream.once('drain', () => {
          this.counters.downstream_flow_control_resumed_reading_total++;
          this.ctx.setReadPaused(false);
        });
      }
    }
    if (endStream) upstream.end();
    return 'stop';
  }

  onClose(): void {
    this.downstreamGone = true;
    clearTimeout(this.idleTimer);
    // What the downstream sent still reaches the upstream; nobody is left to read its answer.
    this.upstream?.destroySoon();
  }

  private pickCluster(): string {
    const { clusters, totalWeight } = this.config;
    const roll = clusters.length === 1 ? 0 : Math.floor(Math.random() * totalWeight);
    // The last entry's upTo is the total, so some entry always matches; '' only satisfies the type.
    return clusters.find((c) => roll < c.upTo)?.name ?? '';
  }

  private attach(upstream: Socket): void {
    this.upstream = upstream;
    // A FIN from the upstream must not end our writes to it: the downstream may still be sending.
    upstream.allowHalfOpen = true;
    const { ctx, counters } = this;
    upstream.on('data', (chunk: Buffer) => {
      this.idleTimer?.refresh();
      counters.downstream_cx_tx_bytes_total += chunk.length;
      if (!ctx.write(chunk, false)) {
        upstream.pause();
        ctx.onDownstreamDrain(() => upstream.resume());
      }
    });
    upstream.once('end', () => ctx.write(EMPTY, true));
    upstream.on('error', () => upstream.destroy());
    upstream.once('close', (hadError: boolean) => {
      clearTimeout(this.idleTimer);
      if (!this.downstreamGone) ctx.close(hadError ? 'now' : 'flush', hadError ? 'UC' : undefined);
    });
    if (this.config.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => {
        counters.idle_timeout++;
        upstream.destroy();
        ctx.close('flush');
      }, this.config.idleTimeoutMs);
    }
  }
}

/**
 * Envoy's `envoy.filters.network.tcp_proxy`: the terminal filter that relays bytes between the
 * downstream and a connection to `cluster` (or one of `weighted_clusters`, picked per connection).
 * A failed connect closes the downstream with flag `UF` (`UH`/`UO` when no host could be tried).
 */
export function tcpProxyFilterFactory(clusters: ClusterLookup, connectUpstream: TcpUpstreamConnector = connectTcpUpstream): NetworkFilterFactory {
  return {
    typeName: TCP_PROXY_FILTER_TYPE,
    compile(raw): CompiledNetworkFilter {
      const config = readConfig(raw);
      const counters: TcpProxyCounters = {
        downstream_cx_total: 0,
        downstream_cx_no_route: 0,
        downstream_cx_rx_bytes_total: 0,
        downstream_cx_tx_bytes_total: 0,
        downstream_flow_control_paused_reading_total: 0,
        downstream_flow_control_resumed_reading_total: 0,
        idle_timeout: 0,
      };
      return {
        name: 'envoy.filters.network.tcp_proxy',
        stats: { prefix: `tcp.${config.statPrefix}.`, counters },
        create: (ctx) => new TcpProxySession(ctx, config, counters, clusters, connectUpstream),
      };
    },
  };
}
