import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MESHCTL = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const ISTIO_BOOKINFO_NETWORKING = path.resolve(import.meta.dirname, '../../../../shared/istio-corpus/samples/bookinfo/networking');

export interface MeshUnderTest {
  readonly process: ChildProcess;
  readonly url: string;
  readonly pids: ReadonlyMap<string, number>;
  readonly output: () => string;
  readonly startupSeconds: number;
}

/** Runs `meshctl up` as a user would and waits for the productpage URL it prints. */
export async function startMesh(block: number, timeoutMs = 90_000): Promise<MeshUnderTest> {
  const started = performance.now();
  const child = spawn(process.execPath, [MESHCTL, 'up', '--block', String(block)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`meshctl up did not print a URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.stdout.on('data', () => {
      const match = /productpage: (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`meshctl up exited with ${code}:\n${output}`));
    });
  });
  const pids = new Map<string, number>();
  for (const match of output.matchAll(/started pid (\d+) \((\S+)\)/g)) pids.set(match[2] as string, Number(match[1]));
  return { process: child, url, pids, output: () => output, startupSeconds: (performance.now() - started) / 1000 };
}

/** `meshctl apply -f FILE`, as a user types it. */
export function meshctlApply(file: string, block: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MESHCTL, 'apply', '-f', file, '--block', String(block)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
