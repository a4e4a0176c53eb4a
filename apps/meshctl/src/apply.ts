import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ApplyOutcome {
  readonly ok: boolean;
  readonly lines: readonly string[];
}

/** Sends a YAML file to the control plane's `/apply`; the mesh takes it up within seconds. */
export async function applyFile(file: string, controlPlaneHttp: string): Promise<ApplyOutcome> {
  const text = await readFile(file, 'utf8');
  const url = `http://${controlPlaneHttp}/apply?file=${encodeURIComponent(path.resolve(file))}`;
  const res = await fetch(url, { method: 'POST', body: text, headers: { 'content-type': 'application/yaml' } });
  const body = (await res.json()) as { applied?: string[]; errors?: string[]; error?: string };
  if (res.ok) return { ok: true, lines: body.applied ?? [] };
  return { ok: false, lines: body.errors ?? [body.error ?? `HTTP ${res.status}`] };
}
