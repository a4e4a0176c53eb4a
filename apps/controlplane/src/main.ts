#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startControlPlane } from './control-plane.js';

const USAGE = 'usage: meshkit-controlplane --config-dir DIR [--grpc-address HOST:PORT] [--http-address HOST:PORT]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'config-dir': { type: 'string' },
      'grpc-address': { type: 'string', default: '127.0.0.1:15010' },
      'http-address': { type: 'string', default: '127.0.0.1:15014' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true || values['config-dir'] === undefined) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(values.help === true ? 0 : 2);
  }
  const plane = await startControlPlane({
    configDir: values['config-dir'],
    grpcAddress: values['grpc-address'],
    httpAddress: values['http-address'],
  });
  process.stderr.write(`[controlplane] serving ADS and CA on ${plane.grpcAddress}, HTTP API on ${plane.httpAddress}\n`);
  const stop = (): void => {
    void plane.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`meshkit-controlplane: ${(error as Error).message}\n`);
  process.exit(1);
});
