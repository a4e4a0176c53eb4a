import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService } from '../src/index.js';
import type { RunningService } from '../src/index.js';
import { HostForwarder } from './host-forwarder.js';
import { send } from './http-client.js';

const XSS = '<img src=x onerror="alert(1)">';

/** A details+reviews impostor answering with markup in every field productpage renders. */
function hostileBackend(): Server {
  return createServer((req, res) => {
    const body = req.url?.startsWith('/details/')
      ? { id: 0, type: XSS, pages: 1, publisher: XSS, language: XSS, 'ISBN-10': XSS, 'ISBN-13': XSS }
      : {
          id: 0,
          podname: XSS,
          clustername: XSS,
          version: XSS,
          reviews: [{ reviewer: XSS, text: XSS, rating: { stars: 9, color: `red"><script>alert(1)</script>` } }],
        };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
}

describe('productpage renders what backends send as text', () => {
  let backend: Server;
  let forwarder: HostForwarder;
  let productpage: RunningService;
  beforeAll(async () => {
    backend = hostileBackend();
    await new Promise<void>((resolve) => backend.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    forwarder = await new HostForwarder().listen();
    forwarder.route('details:9080', backendUrl);
    forwarder.route('reviews:9080', backendUrl);
    productpage = await startService('productpage', { port: 0, outbound: forwarder.url });
  });
  afterAll(async () => {
    await productpage.close();
    await forwarder.close();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  it('escapes every field and clamps stars to five', async () => {
    const page = await send(`${productpage.url}/productpage`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<img');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(page.text).toContain('<font color="red&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(page.text.match(/glyphicon-star"/g)).toHaveLength(5);
    expect(page.text).not.toContain('glyphicon-star-empty');
  });
});
