import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns true, or throws after `timeoutMs` naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** True when an HTTP GET of `url` answers with `status` (and `bodyCheck`, if given). */
export async function answers(url: string, status = 200, bodyCheck?: (body: string) => boolean): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const body = await res.text();
  return res.status === status && (bodyCheck === undefined || bodyCheck(body));
}
