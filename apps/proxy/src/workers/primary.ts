import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { closeAdminServer, startAdminServer } from '../admin/admin-server.js';
import type { AdminSource, Readiness } from '../admin/admin-source.js';
import { serverStatsText } from '../admin/metrics.js';
import { mergePlainStats, mergePrometheusText } from '../admin/stats-merge.js';
import type { Bootstrap } from '../bootstrap/bootstrap.js';
import type { Log } from '../log.js';
import { isWorkerMessage } from './admin-messages.js';
import type { AdminOperation, AdminRequest, WorkerMessage } from './admin-messages.js';

/** How long the admin API waits for a worker's answer. */
const WORKER_ANSWER_TIMEOUT_MS = 10_000;

export interface PrimaryOptions {
  readonly concurrency: number;
  readonly bootstrap: Bootstrap;
  readonly adminPort?: number;
  readonly log: Log;
  /** Written once every worker is ready, with the admin's address. */
  readonly onReady: (adminAddress: string) => void;
}

/** One forked worker process and what the primary knows of it. */
interface WorkerState {
  readonly index: number;
  readonly handle: Worker;
  ready: boolean;
  exited: boolean;
  readonly pending: Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>;
}

/**
 * `--concurrency N` (N > 1): this process forks N workers, each a whole proxy on the same listeners
 * (node's cluster module hands each accepted connection to one of them, in turn), and serves the
 * admin API itself, from what the workers answer. Resolves with the exit code once every worker
 * has stopped: after SIGTERM, SIGINT or `/quitquitquit` (each worker drains as a single proxy
 * does), or as soon as one worker fails.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { concurrency, bootstrap, log } = options;
  let nextRequestId = 0;
  let exitCode = 0;
  let stopping = false;
  const workers: WorkerState[] = [];
  let admin: Server | undefined;
  let adminAddress = 'none';
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));

  const ask = (worker: WorkerState, operation: AdminOperation, args: readonly unknown[] = []): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (worker.exited) {
        reject(new Error(`worker_${worker.index} has exited`));
        return;
      }
      const id = nextRequestId++;
      const timer = setTimeout(() => {
        worker.pending.delete(id);
        reject(new Error(`worker_${worker.index} did not answer ${operation} within ${WORKER_ANSWER_TIMEOUT_MS} ms`));
      }, WORKER_ANSWER_TIMEOUT_MS);
      worker.pending.set(id, {
        resolve: (result) => (clearTimeout(timer), resolve(result)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      const request: AdminRequest = { meshkit: 'admin', id, operation, args };
      worker.handle.send(request);
    });
  const askAll = (operation: AdminOperation, args?: readonly unknown[]): Promise<unknown[]> => Promise.all(workers.map((w) => ask(w, operation, args)));
  // Every worker has the same configuration: one of them answers for all.
  const askOne = (operation: AdminOperation, args?: readonly unknown[]): Promise<unknown> => ask(workers[0] as WorkerState, operation, args);

  const readiness = async (): Promise<Readiness> => {
    if (stopping) return 'DRAINING';
    if (workers.some((w) => !w.ready)) return 'PRE_INITIALIZING';
    const states = (await askAll('readiness')) as Readiness[];
    if (states.includes('DRAINING')) return 'DRAINING';
    return states.every((s) => s === 'LIVE') ? 'LIVE' : 'PRE_INITIALIZING';
  };

  const stop = (code: number): void => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    // Each worker drains as a single proxy does on SIGTERM, then exits.
    for (const worker of workers) if (!worker.exited) worker.handle.process.kill('SIGTERM');
  };

  const source: AdminSource = {
    readiness,
    configDump: (includeEds) => askOne('configDump', [includeEds]),
    prometheusText: async () => {
      const own = serverStatsText((await readiness()) === 'LIVE', concurrency);
      return mergePrometheusText((await askAll('prometheusText')) as string[], own);
    },
    statsText: async (filter) => {
      const own = { 'server.live': (await readiness()) === 'LIVE' ? 1 : 0, 'server.concurrency': concurrency };
      return mergePlainStats((await askAll('statsText')) as string[], own, filter === undefined ? undefined : new RegExp(filter));
    },
    clustersText: () => askOne('clustersText') as Promise<string>,
    listeners: () => askOne('listeners') as ReturnType<AdminSource['listeners']>,
    setHealthCheckFailed: async (failed) => void (await askAll('setHealthCheckFailed', [failed])),
    drainListeners: async (inboundOnly, graceful) => void (await askAll('drainListeners', [inboundOnly, graceful])),
    quit: () => stop(0),
  };

  const onMessage = (worker: WorkerState, message: WorkerMessage): void => {
    if (message.meshkit === 'ready') {
      worker.ready = true;
      if (workers.every((w) => w.ready)) options.onReady(adminAddress);
      return;
    }
    const waiting = worker.pending.get(message.id);
    worker.pending.delete(message.id);
    if (message.error === undefined) waiting?.resolve(message.result);
    else waiting?.reject(new Error(message.error));
  };

  const onExit = (worker: WorkerState, code: number | null, signal: string | null): void => {
    worker.exited = true;
    for (const { reject } of worker.pending.values()) reject(new Error(`worker_${worker.index} has exited`));
    worker.pending.clear();
    // A worker that stops on its own (a failed start, a crash) stops the proxy, as a failed thread stops Envoy.
    if (!stopping) log(`worker_${worker.index} exited (${signal ?? `code ${code ?? 0}`}); stopping the other workers`, 'error');
    stop(code === 0 && stopping ? 0 : 1);
    if (workers.every((w) => w.exited)) markStopped();
  };

  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  // A failure to bind the admin address ends the start here, as it does for a single proxy.
  if (bootstrap.admin !== undefined) {
    const started = await startAdminServer(bootstrap.admin.host, options.adminPort ?? bootstrap.admin.port, source);
    admin = started.server;
    adminAddress = `${started.address.address}:${started.address.port}`;
  }
  // Stopped while the admin server started: no worker to start or to wait for.
  if (stopping) markStopped();
  for (let index = 0; index < concurrency && !stopping; index++) {
    const worker: WorkerState = { index, handle: cluster.fork({ MESHKIT_WORKER_INDEX: String(index) }), ready: false, exited: false, pending: new Map() };
    workers.push(worker);
    worker.handle.on('message', (message: unknown) => isWorkerMessage(message) && onMessage(worker, message));
    worker.handle.on('exit', (code, signal) => onExit(worker, code, signal));
  }
  log(`${concurrency} workers started`, 'debug');
  await stopped;
  if (admin !== undefined) await closeAdminServer(admin);
  return exitCode;
}
