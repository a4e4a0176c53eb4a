// Run with `pnpm --filter @meshkit/upstream bench` after `build`: measures pick() per balancer and
// pooled request throughput through a Cluster against a bare undici Pool, in the same process.
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { Cluster, LeastRequestBalancer, MaglevBalancer, RandomBalancer, RingHashBalancer, RoundRobinBalancer } from '../dist/index.js';

const balancers = {
  'round robin': (eps) => new RoundRobinBalancer(eps),
  'round robin (weighted)': (eps) => new RoundRobinBalancer(eps.map((e, i) => ({ ...e, weight: 1 + (i % 3) }))),
  'least request': (eps) => new LeastRequestBalancer(eps),
  random: (eps) => new RandomBalancer(eps),
  'ring hash': (eps) => new RingHashBalancer(eps),
  maglev: (eps) => new MaglevBalancer(eps),
};

function hosts(n) {
  return Array.from({ length: n }, (_, i) => ({ address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 8080 }));
}

function nsPerPick(balancer, picks) {
  const keys = Array.from({ length: 1024 }, (_, i) => BigInt.asUintN(64, BigInt(i + 1) * 0x9e3779b97f4a7c15n));
  for (let i = 0; i < 10_000; i++) balancer.pick(keys[i & 1023]);
  const start = process.hrtime.bigint();
  for (let i = 0; i < picks; i++) balancer.pick(keys[i & 1023]);
  return Number(process.hrtime.bigint() - start) / picks;
}

console.log('pick() cost, ns per pick (hash key supplied to every balancer)');
const sizes = [10, 1_000, 10_000];
const rows = [];
for (const [name, make] of Object.entries(balancers)) {
  const row = { balancer: name };
  for (const size of sizes) {
    const balancer = make(hosts(size));
    row[`${size}`] = nsPerPick(balancer, 500_000).toFixed(0);
  }
  rows.push(row);
}
console.table(rows);

// Pooled throughput: closed-loop clients over one keep-alive upstream on 127.0.0.1.
const server = createServer((_req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const concurrency = 32;
const durationMs = Number(process.env.BENCH_MS ?? 3000);

async function drive(send) {
  let done = 0;
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await send();
        done++;
      }
    }),
  );
  return (done * 1000) / durationMs;
}

const bare = new Pool(`http://127.0.0.1:${port}`);
const cluster = new Cluster({ name: 'bench' });
cluster.setEndpoints([{ address: '127.0.0.1', port }]);
const viaBare = () => bare.request({ method: 'GET', path: '/' }).then((r) => r.body.dump());
const viaCluster = () => {
  const endpoint = cluster.pick();
  return cluster.poolFor(endpoint).request({ method: 'GET', path: '/' }).then((r) => r.body.dump());
};
await drive(viaBare); // warm both
await drive(viaCluster);
const results = [];
for (let round = 0; round < 2; round++) {
  results.push({ path: 'bare undici Pool', rps: await drive(viaBare) });
  results.push({ path: 'Cluster pick + poolFor', rps: await drive(viaCluster) });
}
const avg = (label) => results.filter((r) => r.path === label).reduce((s, r) => s + r.rps, 0) / 2;
const bareRps = avg('bare undici Pool');
const clusterRps = avg('Cluster pick + poolFor');
console.log(`\npooled HTTP/1.1 throughput, ${concurrency} concurrent, ${durationMs} ms x 2 rounds each`);
console.table([
  { path: 'bare undici Pool', 'req/s': bareRps.toFixed(0), ratio: '1.00' },
  { path: 'Cluster pick + poolFor', 'req/s': clusterRps.toFixed(0), ratio: (clusterRps / bareRps).toFixed(2) },
]);
await bare.close();
await cluster.close();
server.close();
