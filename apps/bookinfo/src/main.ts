#!/usr/bin/env node
// The `bookinfo` command: `bookinfo <productpage|details|reviews|ratings>`, configured by
// environment variables (see README). Prints one line once listening, which launchers wait for.
import { optionsFromEnv, parseServiceName } from './env-options.js';
import { startService } from './start-service.js';

const USAGE = 'usage: bookinfo <productpage|details|reviews|ratings>';

async function main(): Promise<number> {
  const service = parseServiceName(process.argv[2]);
  if (!service.ok) {
    process.stderr.write(`${service.error.message}\n${USAGE}\n`);
    return 2;
  }
  const env = optionsFromEnv(process.env);
  if (!env.ok) {
    process.stderr.write(`${env.error.message}\n`);
    return 2;
  }
  // Handlers go in before the listening line is printed: a launcher may signal the moment it
  // reads that line, and a signal with no handler yet would kill the process instead.
  const stopRequested = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop).off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
  });
  let running;
  try {
    running = await startService(service.name, env.options);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}${cause}\n`);
    return 1;
  }
  process.stdout.write(`bookinfo ${service.name} listening on ${running.url}\n`);

  await stopRequested;
  await running.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bookinfo: ${String(error)}\n`);
    process.exit(1);
  },
);
