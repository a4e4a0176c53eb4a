import { Buffer } from 'node:buffer';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigStore } from './config-store.js';
import type { MeshController } from './mesh-controller.js';

const MAX_APPLY_BYTES = 4 * 1024 * 1024;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_APPLY_BYTES) {
        // Keep reading (and dropping) so the 413 reaches the client instead of a reset.
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** kubectl's way of naming a kind: `virtualservice.networking.istio.io`, or `service` for core kinds. */
function kubectlKind(kind: string, apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? kind.toLowerCase() : `${kind.toLowerCase()}.${apiVersion.slice(0, slash)}`;
}

/**
 * The control plane's HTTP API: readiness, `POST /apply` (what `meshctl apply` calls) and
 * debug views of the config and of each proxy's sync state.
 */
export async function startHttpApi(
  host: string,
  port: number,
  store: ConfigStore,
  controller: MeshController,
): Promise<{ server: http.Server; address: AddressInfo }> {
  const server = http.createServer((req, res) => {
    void route(req, res, store, controller).catch((error: unknown) => sendJson(res, 500, { error: (error as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, resolve);
  });
  return { server, address: server.address() as AddressInfo };
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, store: ConfigStore, controller: MeshController): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://controlplane');
  if (url.pathname === '/ready') return sendJson(res, 200, { ready: true });
  if (url.pathname === '/apply') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST with a YAML body' });
    const body = await readBody(req);
    if (body === null) return sendJson(res, 413, { error: `config larger than ${MAX_APPLY_BYTES} bytes` });
    const result = store.apply(body, url.searchParams.get('file') ?? 'request');
    if (!result.ok) return sendJson(res, 400, { errors: result.errors.map((e) => e.message) });
    controller.configChanged();
    return sendJson(res, 200, {
      applied: result.applied.map((r) => `${kubectlKind(r.kind, r.apiVersion)}/${r.metadata.name} configured`),
    });
  }
  if (url.pathname === '/debug/config') {
    return sendJson(
      res,
      200,
      store.resources().map((r) => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, source: r.source })),
    );
  }
  if (url.pathname === '/debug/syncz') return sendJson(res, 200, controller.status());
  if (url.pathname === '/debug/registry') return sendJson(res, 200, controller.workloads());
  sendJson(res, 404, { error: `unknown path ${url.pathname}` });
}
