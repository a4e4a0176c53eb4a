#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { HttpFilterFactory } from '@meshkit/filters';
import { parseBootstrap } from './bootstrap/bootstrap.js';
import { isLogLevel, leveledLog, LOG_LEVELS } from './log.js';
import { DEFAULT_DRAIN_TIME_MS, startProxy } from './proxy.js';
import { answerAdminRequests } from './workers/admin-messages.js';
import type { WorkerMessage } from './workers/admin-messages.js';
import { runPrimary } from './workers/primary.js';

const USAGE = `usage: meshkit-proxy (-c BOOTSTRAP.yaml | --config-yaml 'YAML') [--admin-port N] [--log-level ${LOG_LEVELS.join('|')}]
       [--drain-time-s S (default ${DEFAULT_DRAIN_TIME_MS / 1000})] [--concurrency N (default 1)] [--filter-module ./filters.mjs ...]`;

/** A module's HTTP filter factories: every export that looks like one (`typeName` and `compile`). */
async function loadFilterModule(file: string): Promise<HttpFilterFactory[]> {
  const module = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  const factories = Object.values(module).filter(
    (v): v is HttpFilterFactory => typeof v === 'object' && v !== null && typeof (v as HttpFilterFactory).typeName === 'string' && typeof (v as HttpFilterFactory).compile === 'function',
  );
  if (factories.length === 0) throw new Error(`--filter-module ${file}: the module exports no HTTP filter factory (an object with typeName and compile)`);
  return factories;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'config-path': { type: 'string', short: 'c' },
      'config-yaml': { type: 'string' },
      'admin-port': { type: 'string' },
      'log-level': { type: 'string', short: 'l' },
      'drain-time-s': { type: 'string' },
      'filter-module': { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const path = values['config-path'];
  const inline = values['config-yaml'];
  if (path === undefined && inline === undefined) throw new Error(USAGE);
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level)) throw new Error(`--log-level ${level}: expected one of ${LOG_LEVELS.join(', ')}`);
  const drainSeconds = Number(values['drain-time-s'] ?? DEFAULT_DRAIN_TIME_MS / 1000);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0) throw new Error(`--drain-time-s ${values['drain-time-s'] ?? ''}: expected a number of seconds >= 0`);
  const workersAsked = Number(values.concurrency ?? 1);
  if (!Number.isInteger(workersAsked) || workersAsked < 0) throw new Error(`--concurrency ${values.concurrency ?? ''}: expected a whole number of workers`);
  // As in Envoy, 0 still runs one worker.
  const concurrency = Math.max(1, workersAsked);
  const bootstrap = parseBootstrap(inline ?? readFileSync(path as string, 'utf8'), path ?? '--config-yaml');
  // Set by runPrimary for the workers it forks.
  const forkedAs = process.env['MESHKIT_WORKER_INDEX'];
  const workerIndex = cluster.isWorker && forkedAs !== undefined ? Number(forkedAs) : undefined;
  const prefix = `[proxy ${bootstrap.node.id}${workerIndex === undefined ? '' : ` worker_${workerIndex}`}]`;
  const log = leveledLog(level, (line) => process.stderr.write(`${prefix} ${line}\n`));
  const adminPort = values['admin-port'] === undefined ? undefined : Number(values['admin-port']);
  // The ready line is what supervisors and tests wait for: it is written whatever the log level.
  const announceReady = (adminAddress: string): boolean => process.stderr.write(`${prefix} ready; admin on ${adminAddress}\n`);
  if (concurrency > 1 && cluster.isPrimary) {
    process.exitCode = await runPrimary({ concurrency, bootstrap, log, onReady: announceReady, ...(adminPort === undefined ? {} : { adminPort }) });
    process.exit();
  }
  const httpFilters = (await Promise.all((values['filter-module'] ?? []).map(loadFilterModule))).flat();
  const proxy = await startProxy(bootstrap, { log, drainTimeMs: drainSeconds * 1000, httpFilters, serveAdmin: workerIndex === undefined, workerIndex: workerIndex ?? 0, ...(adminPort === undefined ? {} : { adminPort }) });
  // Handlers go in before the first config arrives, so a proxy still waiting for ADS stops cleanly too.
  const stop = (): void => void proxy.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const toPrimary = (message: WorkerMessage): void => void process.send?.(message);
  if (workerIndex !== undefined) answerAdminRequests(proxy.admin, toPrimary);
  proxy.ready.then(
    () => (workerIndex === undefined ? announceReady(proxy.adminAddress === undefined ? 'none' : `${proxy.adminAddress.address}:${proxy.adminAddress.port}`) : toPrimary({ meshkit: 'ready' })),
    // A static listener that waited for its routes could not bind: as fatal as at startup.
    (error: unknown) => {
      process.stderr.write(`meshkit-proxy: ${(error as Error).message}\n`);
      process.exitCode = 1;
      void proxy.close();
    },
  );
  // SIGTERM, SIGINT and the admin's POST /quitquitquit all end here.
  await proxy.closed;
  process.exit();
}

main().catch((error: unknown) => {
  process.stderr.write(`meshkit-proxy: ${(error as Error).message}\n`);
  process.exit(1);
});
