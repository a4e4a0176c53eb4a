#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseBootstrap } from './bootstrap/bootstrap.js';
import { startProxy } from './proxy.js';

const USAGE = `usage: meshkit-proxy (-c BOOTSTRAP.yaml | --config-yaml 'YAML') [--admin-port N] [--log-level info|debug|error]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'config-path': { type: 'string', short: 'c' },
      'config-yaml': { type: 'string' },
      'admin-port': { type: 'string' },
      'log-level': { type: 'string', short: 'l' },
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
  const bootstrap = parseBootstrap(inline ?? readFileSync(path as string, 'utf8'), path ?? '--config-yaml');
  const quiet = values['log-level'] === 'error';
  const log = (message: string): void => {
    if (!quiet) process.stderr.write(`[proxy ${bootstrap.node.id}] ${message}\n`);
  };
  const adminPort = values['admin-port'] === undefined ? undefined : Number(values['admin-port']);
  const proxy = await startProxy(bootstrap, { log, ...(adminPort === undefined ? {} : { adminPort }) });
  // Handlers go in before the first config arrives, so a proxy still waiting for ADS stops cleanly too.
  const stop = (): void => void proxy.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  void proxy.ready.then(() =>
    log(`ready; admin on ${proxy.adminAddress === undefined ? 'none' : `${proxy.adminAddress.address}:${proxy.adminAddress.port}`}`),
  );
  // SIGTERM, SIGINT and the admin's POST /quitquitquit all end here.
  await proxy.closed;
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`meshkit-proxy: ${(error as Error).message}\n`);
  process.exit(1);
});
