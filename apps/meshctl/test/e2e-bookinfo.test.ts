import path from 'node:path';
import tls from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPage, login, reviewsVersion } from './bookinfo-page.js';
import { ISTIO_BOOKINFO_NETWORKING, isRunning, meshctlApply, startMesh } from './mesh-cli.js';
import type { MeshUnderTest } from './mesh-cli.js';

// The mesh lives on its own loopback block so a demo running on the default block is untouched.
const BLOCK = 31;
const PAGES = 60;

let mesh: MeshUnderTest;

async function applyIstioSample(name: string): Promise<void> {
  const result = await meshctlApply(path.join(ISTIO_BOOKINFO_NETWORKING, name), BLOCK);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/configured/);
}

/** Versions of reviews seen over `count` page loads, once the mesh agrees with `settled`. */
async function versionsOverPages(count: number, settled: (v: string) => boolean, cookie?: string): Promise<string[]> {
  // A pushed config reaches every sidecar within moments; wait for the first page that shows it.
  const deadline = Date.now() + 15_000;
  while (!settled(reviewsVersion(await getPage(mesh.url, cookie)))) {
    if (Date.now() > deadline) throw new Error('the mesh did not take up the applied config within 15 s');
  }
  const versions: string[] = [];
  for (let i = 0; i < count; i++) versions.push(reviewsVersion(await getPage(mesh.url, cookie)));
  return versions;
}

/** The pod IP meshctl reported for a workload (`pod default/reviews-v3-0 ready at 127.31.1.6`). */
function podIp(workload: string): string {
  const match = new RegExp(`pod \\S+/${workload}-0 ready at (\\S+)`).exec(mesh.output());
  if (match?.[1] === undefined) throw new Error(`meshctl did not report ${workload}`);
  return match[1];
}

async function stats(ip: string): Promise<string> {
  const res = await request(`http://${ip}:15000/stats/prometheus`);
  return res.body.text();
}

describe('bookinfo on a meshkit mesh, driven through meshctl', () => {
  beforeAll(async () => {
    mesh = await startMesh(BLOCK);
    console.log(`meshctl up reached a working productpage in ${mesh.startupSeconds.toFixed(1)} s`);
  }, 120_000);

  afterAll(async () => {
    if (mesh === undefined || mesh.process.exitCode !== null || mesh.process.signalCode !== null) return;
    mesh.process.kill('SIGTERM');
    await new Promise((resolve) => mesh.process.once('exit', resolve));
  });

  it('serves productpage through the ingress gateway, spreading reviews over v1, v2 and v3', async () => {
    const versions = new Set<string>();
    for (let i = 0; i < 30; i++) versions.add(reviewsVersion(await getPage(mesh.url)));
    expect([...versions].sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('routes everything to v1 with virtual-service-all-v1.yaml', async () => {
    await applyIstioSample('destination-rule-all.yaml');
    await applyIstioSample('virtual-service-all-v1.yaml');
    const versions = await versionsOverPages(PAGES, (v) => v === 'v1');
    expect(new Set(versions)).toEqual(new Set(['v1']));
  });

  it('shows jason black stars and everyone else none with virtual-service-reviews-test-v2.yaml', async () => {
    await applyIstioSample('virtual-service-reviews-test-v2.yaml');
    const jason = await login(mesh.url, 'jason');
    expect(await getPage(mesh.url, jason)).toContain('signed in as jason');
    const jasonSees = await versionsOverPages(20, (v) => v === 'v2', jason);
    expect(new Set(jasonSees)).toEqual(new Set(['v2']));
    const someone = await login(mesh.url, 'someone');
    expect(new Set(await versionsOverPages(20, (v) => v === 'v1', someone))).toEqual(new Set(['v1']));
    expect(new Set(await versionsOverPages(20, (v) => v === 'v1'))).toEqual(new Set(['v1']));
  });

  it('splits reviews about half and half between v1 and v3 with virtual-service-reviews-50-v3.yaml', async () => {
    await applyIstioSample('virtual-service-reviews-50-v3.yaml');
    const versions = await versionsOverPages(200, (v) => v === 'v3');
    const v3 = versions.filter((v) => v === 'v3').length;
    expect(versions.filter((v) => v !== 'v1' && v !== 'v3')).toEqual([]);
    // Binomial(200, 0.5): mean 100, sd ~7.1; 65..135 is beyond 4.9 sd, so a correct split never fails it.
    expect(v3).toBeGreaterThanOrEqual(65);
    expect(v3).toBeLessThanOrEqual(135);
  });

  it('sends everyone to v3 (red stars) with virtual-service-reviews-v3.yaml', async () => {
    await applyIstioSample('virtual-service-reviews-v3.yaml');
    const versions = await versionsOverPages(PAGES, (v) => v === 'v3');
    expect(new Set(versions)).toEqual(new Set(['v3']));
  });

  it('carried sidecar-to-sidecar hops over mTLS with the workloads SPIFFE IDs, counted in istio_requests_total', async () => {
    const reviewsStats = await stats(podIp('reviews-v3'));
    const inbound = reviewsStats
      .split('\n')
      .filter((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="destination"') && l.includes('source_workload="productpage-v1"'));
    expect(inbound.length).toBeGreaterThan(0);
    expect(inbound[0]).toContain('destination_workload="reviews-v3"');
    expect(inbound[0]).toContain('source_principal="spiffe://cluster.local/ns/default/sa/bookinfo-productpage"');
    expect(inbound[0]).toContain('destination_principal="spiffe://cluster.local/ns/default/sa/bookinfo-reviews"');
    expect(inbound[0]).toContain('connection_security_policy="mutual_tls"');
    expect(inbound[0]).toContain('destination_service="reviews.default.svc.cluster.local"');
    expect(inbound[0]).toContain('response_code="200"');

    const outbound = (await stats(podIp('productpage-v1')))
      .split('\n')
      .filter((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="source"') && l.includes('destination_workload="reviews-v3"'));
    expect(outbound.length).toBeGreaterThan(0);
    expect(outbound[0]).toContain('source_workload="productpage-v1"');
    expect(outbound[0]).toContain('destination_service="reviews.default.svc.cluster.local"');
    expect(Number(outbound[0]?.split(' ').at(-1))).toBeGreaterThan(0);
  });

  it('refuses plaintext and certificate-less clients on a sidecar inbound port', async () => {
    const reviewsIp = podIp('reviews-v1');
    const reviewsInbound = `http://${reviewsIp}:9080/reviews/0`;
    await expect(request(reviewsInbound, { headersTimeout: 3_000 }).then((r) => r.body.text())).rejects.toThrow();
    const handshake = new Promise<string>((resolve) => {
      const socket = tls.connect({ host: reviewsIp, port: 9080, rejectUnauthorized: false }, () => {
        socket.write('GET /reviews/0 HTTP/1.1\r\nhost: reviews\r\n\r\n');
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('error', () => resolve(`error:${data}`));
      socket.on('close', () => resolve(`closed:${data}`));
    });
    expect(await handshake).not.toContain('HTTP/1.1 200');
  });

  it('stops everything it started on SIGTERM', async () => {
    expect(mesh.pids.size).toBeGreaterThanOrEqual(14);
    for (const pid of mesh.pids.values()) expect(isRunning(pid)).toBe(true);
    mesh.process.kill('SIGTERM');
    const code = await new Promise((resolve) => mesh.process.once('exit', resolve));
    expect(code).toBe(0);
    for (const [name, pid] of mesh.pids) expect(isRunning(pid), `${name} (pid ${pid}) still running`).toBe(false);
  });
});
