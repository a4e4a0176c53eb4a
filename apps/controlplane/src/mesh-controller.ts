import { buildMeshModel, compileProxyConfig, parseProxyNode, workloadInstanceOf } from '@meshkit/config';
import type { MeshModel, ProxyNode, WorkloadInstance } from '@meshkit/config';
import { TYPE_URLS } from '@meshkit/xds';
import type { EnvoyNode, SnapshotCache } from '@meshkit/xds';
import type { ConfigStore } from './config-store.js';

interface ConnectedProxy {
  readonly node: ProxyNode;
  /** Open ADS streams for this node id (a reconnect may briefly overlap the old stream). */
  streams: number;
}

export interface ProxyStatus {
  readonly id: string;
  readonly type: string;
  readonly ip: string;
  readonly version: string | undefined;
  readonly acked: Readonly<Record<string, string>>;
  readonly nacked: Readonly<Record<string, string>>;
}

/**
 * Keeps every connected proxy's snapshot in step with the config and the registry: proxies that
 * connect register their workload (like Istio's auto-registration) and every change recompiles
 * each proxy's Envoy resources.
 */
export class MeshController {
  private readonly proxies = new Map<string, ConnectedProxy>();
  private readonly acked = new Map<string, Record<string, string>>();
  private readonly nacked = new Map<string, Record<string, string>>();
  private model: MeshModel;
  private version = 0;

  constructor(
    private readonly store: ConfigStore,
    private readonly cache: SnapshotCache,
    private readonly log: (message: string) => void,
  ) {
    this.model = buildMeshModel(store.resources());
  }

  workloads(): WorkloadInstance[] {
    return [...this.proxies.values()].filter((p) => p.node.type === 'sidecar').map((p) => workloadInstanceOf(p.node));
  }

  /** The config changed: rebuild the model and push everyone. */
  configChanged(): void {
    this.model = buildMeshModel(this.store.resources());
    this.pushAll();
  }

  proxyConnected(envoyNode: EnvoyNode): void {
    const node = parseProxyNode(envoyNode);
    if (node === null) {
      this.log(`ignoring a proxy whose node id is not Istio's form: '${envoyNode.id}'`);
      return;
    }
    const current = this.proxies.get(node.id);
    if (current !== undefined) {
      current.streams++;
      this.push(current.node);
      return;
    }
    this.proxies.set(node.id, { node, streams: 1 });
    this.log(`${node.type} ${node.workloadName}.${node.namespace} connected from ${node.ip}`);
    // A new sidecar is a new endpoint for every proxy, so all are recompiled.
    this.pushAll();
  }

  proxyDisconnected(envoyNode: EnvoyNode): void {
    const current = this.proxies.get(envoyNode.id);
    if (current === undefined || --current.streams > 0) return;
    this.proxies.delete(envoyNode.id);
    // A proxy that comes back starts over; one that never does must not be remembered forever.
    this.acked.delete(envoyNode.id);
    this.nacked.delete(envoyNode.id);
    this.cache.clearSnapshot(envoyNode.id);
    this.log(`${current.node.type} ${current.node.workloadName}.${current.node.namespace} disconnected`);
    this.pushAll();
  }

  recordAck(nodeId: string, typeUrl: string, version: string): void {
    this.entry(this.acked, nodeId)[typeUrl] = version;
    delete this.entry(this.nacked, nodeId)[typeUrl];
  }

  recordNack(nodeId: string, typeUrl: string, message: string): void {
    this.entry(this.nacked, nodeId)[typeUrl] = message;
    this.log(`${nodeId} rejected ${typeUrl}: ${message}`);
  }

  status(): ProxyStatus[] {
    return [...this.proxies.values()].map(({ node }) => ({
      id: node.id,
      type: node.type,
      ip: node.ip,
      version: this.cache.getSnapshot(node.id)?.version,
      acked: this.acked.get(node.id) ?? {},
      nacked: this.nacked.get(node.id) ?? {},
    }));
  }

  private entry(map: Map<string, Record<string, string>>, nodeId: string): Record<string, string> {
    let record = map.get(nodeId);
    if (record === undefined) map.set(nodeId, (record = {}));
    return record;
  }

  private pushAll(): void {
    for (const { node } of this.proxies.values()) this.push(node);
  }

  private push(node: ProxyNode): void {
    this.version++;
    try {
      // Inside the try: this runs from gRPC stream callbacks, where a throw would go unhandled.
      const resources = compileProxyConfig(this.model, this.workloads(), node);
      this.cache.setSnapshot(node.id, {
        version: String(this.version),
        resources: {
          [TYPE_URLS.cluster]: resources.clusters,
          [TYPE_URLS.endpoint]: resources.endpoints,
          [TYPE_URLS.listener]: resources.listeners,
          [TYPE_URLS.route]: resources.routes,
        },
      });
    } catch (error) {
      this.log(`cannot build a snapshot for ${node.id}: ${(error as Error).message}`);
    }
  }
}
