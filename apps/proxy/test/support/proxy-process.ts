import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { curl } from './clients.js';

export const PROXY_MAIN = path.resolve(import.meta.dirname, '../../dist/main.js');

export interface ProxyProcess {
  readonly child: ChildProcess;
  /** `host:port` of the admin API, from the proxy's ready line. */
  readonly admin: string;
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Kills the process if it is still running (this test started it, so its PID is ours). */
  kill(): void;
}

/** Runs the built CLI (`node dist/main.js …`) and waits for its ready line, at most `timeoutMs`. */
export function spawnProxy(args: string[], timeoutMs = 20_000): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [PROXY_MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`proxy not ready after ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const ready = /ready; admin on (\S+)/.exec(stderr);
      if (ready?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, admin: ready[1], stderr: () => stderr, exited, kill });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited (${code}) before ready: ${stderr}`));
    });
  });
}

/** Runs the CLI expecting it to fail; resolves with its exit code and stderr. */
export function runProxyToFailure(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [PROXY_MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

/** The port of the proxy's listener (its last, when it has several) from the admin API's `/listeners` lines, `name::host:port`. */
export async function listenerPort(proxy: ProxyProcess): Promise<number> {
  const lines = (await curl(`http://${proxy.admin}/listeners`)).body;
  const port = /:(\d+)\s*$/.exec(lines.trim())?.[1];
  if (port === undefined) throw new Error(`no listener in /listeners: ${JSON.stringify(lines)}`);
  return Number(port);
}
