#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { applyFile } from './apply.js';
import { DEMO_CONFIG_DIR } from './package-bins.js';
import { meshUp } from './up.js';

const USAGE = `meshctl — run and drive a local meshkit mesh

  meshctl up [--config DIR] [--block N]      start the control plane, gateway and every workload
                                             with its sidecar (default: the bookinfo demo), print
                                             the productpage URL; Ctrl-C stops everything
  meshctl apply -f FILE [--block N]          send Istio YAML to the running mesh

  --block N   the mesh's loopback block 127.N.0.0/16 (default 10)`;

const DEFAULT_BLOCK = 10;

function controlPlaneHttp(block: number): string {
  return `127.${block}.0.1:15014`;
}

async function up(config: string | undefined, block: number): Promise<void> {
  const mesh = await meshUp({ configDir: config ?? DEMO_CONFIG_DIR, block, progress: (line) => process.stdout.write(`${line}\n`) });
  for (const child of mesh.supervisor.processes) process.stdout.write(`started pid ${child.pid} (${child.name})\n`);
  process.stdout.write(`\nproductpage: ${mesh.url}\nmeshctl apply -f FILE --block ${block} changes the mesh; Ctrl-C stops it.\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping the mesh…\n');
    void mesh.stop().then(() => {
      process.stdout.write('stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      block: { type: 'string' },
      filename: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const block = values.block === undefined ? DEFAULT_BLOCK : Number(values.block);
  if (!Number.isInteger(block) || block < 1 || block > 254) throw new Error('--block must be an integer from 1 to 254');
  const [command] = positionals;
  if (values.help === true || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'up') return up(values.config, block);
  if (command === 'apply') {
    if (values.filename === undefined) throw new Error('meshctl apply needs -f FILE');
    const outcome = await applyFile(values.filename, controlPlaneHttp(block));
    for (const line of outcome.lines) (outcome.ok ? process.stdout : process.stderr).write(`${line}\n`);
    if (!outcome.ok) process.exitCode = 1;
    return;
  }
  throw new Error(`unknown command '${command}'\n${USAGE}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`meshctl: ${(error as Error).message}\n`);
  process.exit(1);
});
