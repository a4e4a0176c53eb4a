import type http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { CertificateAuthority, addCertificateService } from '@meshkit/identity';
import { AdsServer, SnapshotCache } from '@meshkit/xds';
import { ConfigStore } from './config-store.js';
import { startHttpApi } from './http-api.js';
import { MeshController } from './mesh-controller.js';

export interface ControlPlaneOptions {
  /** Directory of Istio and Kubernetes YAML, watched for changes. */
  readonly configDir: string;
  /** ADS + CA (gRPC, plaintext), e.g. `127.10.0.1:15010`; port 0 picks one. */
  readonly grpcAddress: string;
  /** HTTP API, e.g. `127.10.0.1:15014`. */
  readonly httpAddress: string;
  readonly log?: (message: string) => void;
}

export interface RunningControlPlane {
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly ca: CertificateAuthority;
  readonly controller: MeshController;
  close(): Promise<void>;
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** Starts the control plane: config source, registry, compiler, ADS server and CA. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const log = options.log ?? ((message: string) => process.stderr.write(`[controlplane] ${message}\n`));
  const store = new ConfigStore(options.configDir, log);
  const errors = await store.load();
  for (const error of errors) log(`config error: ${error.message}`);

  const cache = new SnapshotCache();
  const controller = new MeshController(store, cache, log);
  const ads = new AdsServer({
    cache,
    onStreamOpen: (node) => controller.proxyConnected(node),
    onStreamClose: (node) => controller.proxyDisconnected(node),
    onAck: (nodeId, typeUrl, version) => controller.recordAck(nodeId, typeUrl, version),
    onNack: (nodeId, typeUrl, detail) => controller.recordNack(nodeId, typeUrl, detail.message),
  });
  const ca = await CertificateAuthority.create();

  const grpcServer = new grpc.Server();
  ads.addTo(grpcServer);
  // Thin: any local caller may ask for any identity in the trust domain. Istio authenticates
  // CSRs with the workload's Kubernetes token; a local equivalent is still to come.
  addCertificateService(grpcServer, ca);
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(options.grpcAddress, grpc.ServerCredentials.createInsecure(), (error, port) =>
      error === null ? resolve(port) : reject(error),
    );
  });
  const { host: grpcHost } = splitAddress(options.grpcAddress);
  const { host: httpHost, port: httpPort } = splitAddress(options.httpAddress);
  const api = await startHttpApi(httpHost, httpPort, store, controller);
  store.watch(() => {
    log('config directory changed; pushing');
    controller.configChanged();
  });

  return {
    grpcAddress: `${grpcHost}:${grpcPort}`,
    httpAddress: `${api.address.address}:${api.address.port}`,
    ca,
    controller,
    close: async () => {
      store.close();
      await closeServer(api.server);
      await shutdownGrpc(grpcServer);
    },
  };
}

/** How long open calls get to finish before the server cuts them; ADS streams never finish on their own. */
const GRPC_GRACE_MS = 1_000;

function shutdownGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, GRPC_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
