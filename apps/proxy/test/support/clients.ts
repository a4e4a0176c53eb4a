import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CurlResult {
  readonly status: number;
  readonly body: string;
}

/** One request with the real curl CLI; the status comes from `-w`, so bodies are never parsed for it. */
export async function curl(url: string, ...args: string[]): Promise<CurlResult> {
  const marker = '\n@@status=';
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', ...args, '-w', `${marker}%{http_code}`, url]);
  const at = stdout.lastIndexOf(marker);
  return { status: Number(stdout.slice(at + marker.length)), body: stdout.slice(0, at) };
}

/** `http://host:port` of the proxy's first listener, as its admin API's `/listeners` names it. */
export async function firstListenerUrl(admin: string): Promise<string> {
  const line = (await curl(`${admin}/listeners`)).body.trim();
  return `http://${line.split('::')[1] ?? ''}`;
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
