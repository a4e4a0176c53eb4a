import type { AdminSource } from '../admin/admin-source.js';

/** The admin operations a primary asks each worker for (`quit` is the primary's own). */
export type AdminOperation = Exclude<keyof AdminSource, 'quit'>;

/** Primary → worker: run one admin operation. */
export interface AdminRequest {
  readonly meshkit: 'admin';
  readonly id: number;
  readonly operation: AdminOperation;
  readonly args: readonly unknown[];
}

/** Worker → primary: an operation's result, or why it failed; and the proxy's first readiness. */
export type WorkerMessage =
  | { readonly meshkit: 'reply'; readonly id: number; readonly result?: unknown; readonly error?: string }
  | { readonly meshkit: 'ready' };

/** Each operation run against a worker's own admin source, its arguments as they came over IPC. */
const OPERATIONS: Readonly<Record<AdminOperation, (source: AdminSource, args: readonly unknown[]) => Promise<unknown>>> = {
  readiness: (source) => source.readiness(),
  configDump: (source, [includeEds]) => source.configDump(includeEds === true),
  prometheusText: (source) => source.prometheusText(),
  statsText: (source, [filter]) => source.statsText(typeof filter === 'string' ? filter : undefined),
  clustersText: (source) => source.clustersText(),
  listeners: (source) => source.listeners(),
  setHealthCheckFailed: (source, [failed]) => source.setHealthCheckFailed(failed === true),
  drainListeners: (source, [inboundOnly, graceful]) => source.drainListeners(inboundOnly === true, graceful === true),
};

export function isAdminRequest(message: unknown): message is AdminRequest {
  const m = message as Partial<AdminRequest> | null;
  return typeof m === 'object' && m !== null && m.meshkit === 'admin' && typeof m.id === 'number' && typeof m.operation === 'string' && Object.hasOwn(OPERATIONS, m.operation) && Array.isArray(m.args);
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const m = message as Partial<WorkerMessage> | null;
  return typeof m === 'object' && m !== null && (m.meshkit === 'reply' || m.meshkit === 'ready');
}

/** In a worker: answers the primary's admin requests from this process's proxy. */
export function answerAdminRequests(source: AdminSource, send: (message: WorkerMessage) => void): void {
  process.on('message', (message: unknown) => {
    if (!isAdminRequest(message)) return;
    const { id, operation, args } = message;
    OPERATIONS[operation](source, args).then(
      (result) => send({ meshkit: 'reply', id, result }),
      (error: unknown) => send({ meshkit: 'reply', id, error: (error as Error).message }),
    );
  });
}
