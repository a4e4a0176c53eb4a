import { Cluster, ClusterManager } from '@meshkit/upstream';
import type { Endpoint } from '@meshkit/upstream';
import { routerFilterFactory } from '../../src/builtin/index.js';
import type { CompiledHttpFilter } from '../../src/index.js';
import type { Closer } from './net.js';

/** A real cluster manager whose clusters are destroyed with the test. */
export function clusters(closer: Closer, definitions: Record<string, readonly Endpoint[]>): ClusterManager {
  const manager = new ClusterManager();
  for (const [name, endpoints] of Object.entries(definitions)) {
    const cluster = new Cluster({ name, connectTimeoutMs: 2000 });
    cluster.setEndpoints(endpoints);
    manager.set(name, cluster);
  }
  closer.add(async () => {
    const all = [...manager].map(([, cluster]) => cluster);
    await Promise.all(all.map((cluster) => cluster.destroy()));
    await manager.close();
  });
  return manager;
}

export function router(manager: ClusterManager, config: Readonly<Record<string, unknown>> = {}): CompiledHttpFilter {
  return routerFilterFactory(manager).compile(config, { listenerName: 'test', trafficDirection: 'OUTBOUND' });
}

export function endpoint(port: number): Endpoint {
  return { address: '127.0.0.1', port };
}
