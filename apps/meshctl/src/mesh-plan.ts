import type { Deployment, MeshModel } from '@meshkit/config';
import { UnknownImageError } from './errors.js';

/** What to run for an app container: a node script with its arguments and environment. */
export interface AppPlan {
  readonly program: 'bookinfo';
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
}

/** One pod: its addresses, its identity, its sidecar (or gateway proxy) and its app, if any. */
export interface PodPlan {
  readonly name: string;
  readonly workloadName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly role: 'sidecar' | 'router';
  /** Where peers reach the pod (its sidecar's inbound listeners and admin). */
  readonly podIp: string;
  /** The pod's private address: the app binds here and reaches its sidecar at :15001. */
  readonly localAddress: string;
  readonly app: AppPlan | undefined;
}

export interface MeshPlan {
  readonly controlPlaneHost: string;
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly pods: readonly PodPlan[];
}

export const ADMIN_PORT = 15000;
export const OUTBOUND_PORT = 15001;

function imageName(image: string): string {
  return image.replace(/[:@].*$/, '').replace(/^docker\.io\//, '');
}

function planApp(deployment: Deployment, localAddress: string): AppPlan | undefined {
  const [container] = deployment.containers;
  if (container === undefined) return undefined;
  const image = imageName(container.image);
  if (image === 'meshkit/proxy') return undefined;
  if (image !== 'meshkit/bookinfo') throw new UnknownImageError(`${deployment.namespace}/${deployment.name}`, container.image);
  const port = container.ports[0]?.containerPort ?? 9080;
  const env: Record<string, string> = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
  env['BOOKINFO_HOST'] = localAddress;
  env['BOOKINFO_PORT'] = String(port);
  env['BOOKINFO_OUTBOUND'] = `http://${localAddress}:${OUTBOUND_PORT}`;
  return { program: 'bookinfo', args: container.args, env, port };
}

/**
 * Lays the mesh out on loopback block `127.<block>.0.0/16` (docs/design/local-mesh.md):
 * control plane .0.1, gateways from .0.2, pod k at .1.k with its private address at .2.k.
 */
export function planMesh(model: MeshModel, block: number): MeshPlan {
  const base = `127.${block}`;
  const pods: PodPlan[] = [];
  let gateways = 0;
  let workloads = 0;
  for (const deployment of model.deployments) {
    const image = imageName(deployment.containers[0]?.image ?? '');
    const role = image === 'meshkit/proxy' ? 'router' : 'sidecar';
    const podIp = role === 'router' ? `${base}.0.${2 + gateways++}` : `${base}.1.${++workloads}`;
    const localAddress = role === 'router' ? podIp : `${base}.2.${workloads}`;
    pods.push({
      name: `${deployment.name}-0`,
      workloadName: deployment.name,
      namespace: deployment.namespace,
      labels: deployment.podLabels,
      serviceAccount: deployment.serviceAccount,
      role,
      podIp,
      localAddress,
      app: role === 'sidecar' ? planApp(deployment, localAddress) : undefined,
    });
  }
  return { controlPlaneHost: `${base}.0.1`, grpcAddress: `${base}.0.1:15010`, httpAddress: `${base}.0.1:15014`, pods };
}
