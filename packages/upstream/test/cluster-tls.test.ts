import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../src/index.js';
import { CertFactory } from './support/certs.js';
import { startUpstream } from './support/upstream-server.js';
import type { SelfSignedCert } from './support/certs.js';
import type { UpstreamServer } from './support/upstream-server.js';

const certs = new CertFactory();
let serverCert: SelfSignedCert;
let otherCa: SelfSignedCert;
let server: UpstreamServer;
const clusters: Cluster[] = [];

beforeAll(async () => {
  serverCert = await certs.make('upstream.test');
  otherCa = await certs.make('upstream.test');
  server = await startUpstream('secure', (req, res) => res.end(`secure:${req.headers.host ?? ''}`), { tls: serverCert });
});

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.destroy()));
});

afterAll(async () => {
  await server.close();
  await certs.cleanup();
});

function tlsCluster(ca: string, servername: string): Cluster {
  const cluster = new Cluster({ name: 'tls', tls: { ca, servername } });
  cluster.setEndpoints([{ address: '127.0.0.1', port: server.port }]);
  clusters.push(cluster);
  return cluster;
}

async function get(cluster: Cluster, host?: string): Promise<string> {
  const endpoint = cluster.pick();
  if (endpoint === null) throw new Error('no endpoint');
  const headers = host === undefined ? {} : { host };
  const response = await cluster.poolFor(endpoint).request({ method: 'GET', path: '/', headers });
  return response.body.text();
}

describe('Cluster over TLS', () => {
  it('connects with the right CA and servername, over https', async () => {
    const cluster = tlsCluster(serverCert.cert, 'upstream.test');
    expect(await get(cluster)).toBe('secure:127.0.0.1:' + String(server.port));
    expect(cluster.stats.upstream_cx_total).toBe(1);
    expect(cluster.stats.upstream_cx_connect_fail).toBe(0);
  });

  it('fails the connection when the server is not signed by the configured CA', async () => {
    const cluster = tlsCluster(otherCa.cert, 'upstream.test');
    await expect(get(cluster)).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|SELF_SIGNED/) as unknown });
    expect(cluster.stats.upstream_cx_connect_fail).toBe(1);
    expect(cluster.stats.upstream_cx_total).toBe(0);
  });

  it('fails the connection when the certificate does not match the servername', async () => {
    const cluster = tlsCluster(serverCert.cert, 'other.test');
    await expect(get(cluster)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(cluster.stats.upstream_cx_connect_fail).toBe(1);
  });

  it("verifies against the cluster's servername, not the request's Host header, and keeps one connection", async () => {
    const cluster = tlsCluster(serverCert.cert, 'upstream.test');
    expect(await get(cluster, 'reviews.default.svc')).toBe('secure:reviews.default.svc');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await get(cluster, 'ratings.default.svc')).toBe('secure:ratings.default.svc');
    expect(cluster.stats.upstream_cx_total).toBe(1);
  });
});
