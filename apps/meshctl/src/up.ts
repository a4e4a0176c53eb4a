import { performance } from 'node:perf_hooks';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildMeshModel } from '@meshkit/config';
import type { MeshModel } from '@meshkit/config';
import { ConfigStore } from '@meshkit/controlplane';
import { bootstrapFor } from './bootstrap.js';
import { MeshStartError } from './errors.js';
import { planMesh } from './mesh-plan.js';
import type { MeshPlan, PodPlan } from './mesh-plan.js';
import { bins } from './package-bins.js';
import { Supervisor } from './supervisor.js';
import { answers, waitFor } from './wait-for.js';

export interface UpOptions {
  readonly configDir: string;
  /** The loopback block: the mesh lives on 127.<block>.0.0/16. */
  readonly block: number;
  readonly progress: (line: string) => void;
  readonly timeoutMs?: number;
}

export interface RunningMesh {
  readonly url: string;
  readonly plan: MeshPlan;
  readonly supervisor: Supervisor;
  stop(): Promise<void>;
}

const PRODUCTPAGE_OK = (body: string): boolean => body.includes('Book Reviews') && !body.includes('currently unavailable');

/** Reads the config directory exactly as the control plane will, so both see the same mesh. */
async function loadModel(configDir: string): Promise<MeshModel> {
  const store = new ConfigStore(configDir, () => {});
  const errors = await store.load();
  if (errors.length > 0) throw new MeshStartError(`invalid config:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  return buildMeshModel(store.resources());
}

/** The port a gateway pod listens on for its Gateway's first server (the Service's targetPort). */
function gatewayPort(model: MeshModel, pod: PodPlan): number {
  const selects = (selector: Readonly<Record<string, string>> | undefined): boolean =>
    selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => pod.labels[k] === v);
  const gateway = model.gateways.find((g) => selects(g.selector));
  const serverPort = gateway?.servers[0]?.port.number ?? 80;
  const service = model.services.find((s) => s.namespace === pod.namespace && selects(s.selector));
  return service?.ports.find((p) => p.port === serverPort)?.targetPort ?? serverPort;
}

/**
 * Starts a whole local mesh: the control plane, then each pod's app and sidecar, then the
 * gateways, and waits until productpage answers through the ingress gateway.
 */
export async function meshUp(options: UpOptions): Promise<RunningMesh> {
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const model = await loadModel(options.configDir);
  const plan = planMesh(model, options.block);
  const runDir = path.join(tmpdir(), `meshkit-${options.block}-${process.pid}`);
  await mkdir(runDir, { recursive: true });
  const supervisor = new Supervisor(runDir);
  let failure: Error | undefined;
  supervisor.onUnexpectedExit((child, code) => {
    failure = new MeshStartError(`${child.name} exited with code ${code}:\n${supervisor.tail(child)}`);
    options.progress(`! ${failure.message}`);
  });
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  const stop = (): Promise<void> => supervisor.stopAll();

  try {
    options.progress(`logs in ${runDir}`);
    supervisor.start('controlplane', bins.controlPlane(), ['--config-dir', options.configDir, '--grpc-address', plan.grpcAddress, '--http-address', plan.httpAddress]);
    await waitFor('the control plane', async () => (check(), answers(`http://${plan.httpAddress}/ready`)), timeoutMs);
    options.progress(`[${elapsed()}] control plane up: xDS and CA on ${plan.grpcAddress}`);

    const gateways: PodPlan[] = [];
    for (const pod of plan.pods) {
      if (pod.role === 'router') gateways.push(pod);
      else await startPod(pod, plan, supervisor, runDir);
    }
    for (const pod of gateways) await startPod(pod, plan, supervisor, runDir);
    for (const pod of plan.pods) {
      await waitFor(`${pod.name}'s proxy`, async () => (check(), answers(`http://${pod.podIp}:15000/ready`)), timeoutMs);
      options.progress(`[${elapsed()}] ${pod.role === 'router' ? 'gateway' : 'pod'} ${pod.namespace}/${pod.name} ready at ${pod.podIp}`);
    }

    const gateway = gateways[0];
    if (gateway === undefined) throw new MeshStartError('the config has no gateway Deployment (image meshkit/proxy)');
    const url = `http://${gateway.podIp}:${gatewayPort(model, gateway)}/productpage`;
    await waitFor('productpage through the gateway', async () => (check(), answers(url, 200, PRODUCTPAGE_OK)), timeoutMs, 200);
    options.progress(`[${elapsed()}] productpage answers through the ingress gateway`);
    return { url, plan, supervisor, stop };
  } catch (error) {
    await stop();
    throw error instanceof MeshStartError ? error : new MeshStartError((error as Error).message, { cause: error });
  }
}

async function startPod(pod: PodPlan, plan: MeshPlan, supervisor: Supervisor, runDir: string): Promise<void> {
  const bootstrapFile = path.join(runDir, `${pod.name}.bootstrap.json`);
  await writeFile(bootstrapFile, JSON.stringify(bootstrapFor(pod, plan), null, 2));
  if (pod.app !== undefined) supervisor.start(`${pod.name}.app`, bins.bookinfo(), pod.app.args, pod.app.env);
  supervisor.start(`${pod.name}.proxy`, bins.proxy(), ['-c', bootstrapFile]);
}
