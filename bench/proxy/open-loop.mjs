// Open-loop load at a fixed rate: requests are due on a schedule and latency is measured from the
// moment each was due, so a stalled proxy cannot hide its delay (no coordinated omission).
import { createRequire } from 'node:module';

// undici comes from the proxy app's dependencies; the repository root has none of its own.
const { Pool } = createRequire(new URL('../../apps/proxy/package.json', import.meta.url))('undici');

const [url, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const origin = new URL(url).origin;
const path = new URL(url).pathname;
const pool = new Pool(origin, { connections: 32, pipelining: 1 });
const total = rate * seconds;
const latencies = new Float64Array(total);
const start = performance.now();
let sent = 0;
let done = 0;
let errors = 0;

await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
    while (sent < due) {
      const index = sent++;
      const dueAt = start + (index / rate) * 1000;
      pool.request({ path, method: 'GET' }).then(
        async (res) => {
          await res.body.dump();
          latencies[index] = performance.now() - dueAt;
          if (++done === total) resolve();
        },
        () => {
          errors++;
          latencies[index] = Number.NaN;
          if (++done === total) resolve();
        },
      );
    }
    // A 1 ms timer keeps the schedule without spinning the event loop that also reads responses.
    if (sent < total) setTimeout(tick, 1);
  };
  tick();
});
await pool.close();
// The first second opens connections and warms the JIT on both sides; it is not steady state.
const sorted = Array.from(latencies.subarray(rate)).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
console.log(JSON.stringify({ p50: pick(0.5), p99: pick(0.99), errors }));
