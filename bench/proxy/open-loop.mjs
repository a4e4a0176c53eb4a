// Open-loop load at a fixed rate: requests are due on a schedule and latency is measured from the
// moment each was due, so a stalled proxy cannot hide its delay (no coordinated omission).
//   node open-loop.mjs URL RATE SECONDS  →  {"p50":ms,"p99":ms,"errors":n}
// The client is kept thin so that its own jitter stays well under the millisecond it measures:
// pre-opened keep-alive sockets, one hand-written GET, Content-Length responses read without a
// parser library, and a schedule polled with setImmediate (this process has a core of its own)
// rather than a 1 ms timer (the polling allocates, an Immediate per pass, so the client collects
// its young generation every 20 ms or so, in 0.3 ms: far below the tail it measures; a larger
// young generation made the pauses rarer but 1.3-2.3 ms long). The first WARMUP_SECONDS are load
// without measurement, so that the client's own code has settled: measured from the first second,
// its stalls came at the same request numbers run after run, whatever the target, and set the
// p99 of the fastest targets.
import net from 'node:net';

const [url, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const { hostname, port, pathname } = new URL(url);
const CONNECTIONS = 64;
const WARMUP_SECONDS = 3;
const REQUEST = `GET ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`;
const HEAD_END = Buffer.from('\r\n\r\n');
const total = rate * (WARMUP_SECONDS + seconds);
const latencies = new Float64Array(total).fill(Number.NaN);
const idle = [];
const waiting = [];
let done = 0;
let start = 0;

/** One keep-alive connection with at most one request outstanding. */
function open() {
  return new Promise((resolve, reject) => {
    const conn = { socket: net.connect({ host: hostname, port: Number(port), noDelay: true }), index: -1, held: null };
    conn.socket.on('data', (chunk) => onData(conn, chunk));
    conn.socket.on('error', (error) => (start === 0 ? reject(error) : fail(conn)));
    conn.socket.on('close', () => fail(conn));
    conn.socket.once('connect', () => resolve(conn));
  });
}

function send(conn, index) {
  conn.index = index;
  conn.socket.write(REQUEST, 'latin1');
}

function finish(conn) {
  const index = conn.index;
  conn.index = -1;
  done++;
  const next = waiting.shift();
  if (next !== undefined) send(conn, next);
  else idle.push(conn);
  return index;
}

function onData(conn, chunk) {
  const held = conn.held === null ? chunk : Buffer.concat([conn.held, chunk]);
  const end = held.indexOf(HEAD_END);
  if (end === -1) {
    conn.held = held;
    return;
  }
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(held.toString('latin1', 0, end + 2))?.[1] ?? Number.NaN);
  if (Number.isNaN(length)) {
    fail(conn);
    return;
  }
  if (held.length < end + 4 + length) {
    conn.held = held;
    return;
  }
  conn.held = null;
  const status = held.toString('latin1', 9, 12);
  const index = conn.index;
  if (index < 0) return;
  if (status === '200') latencies[index] = performance.now() - (start + (index / rate) * 1000);
  finish(conn);
}

function fail(conn) {
  if (conn.index < 0) return;
  conn.index = -1;
  done++;
  conn.socket.destroy();
}

const connections = await Promise.all(Array.from({ length: CONNECTIONS }, open));
idle.push(...connections);
start = performance.now();
let sent = 0;
await new Promise((resolve) => {
  const poll = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due) {
      const index = sent++;
      const conn = idle.pop();
      if (conn === undefined) waiting.push(index);
      else send(conn, index);
    }
    if (done >= total || performance.now() - start > (WARMUP_SECONDS + seconds + 10) * 1000) resolve();
    else setImmediate(poll);
  };
  poll();
});
for (const conn of connections) conn.socket.destroy();
// A request without a latency failed, got another status, or was never answered.
const errors = latencies.filter(Number.isNaN).length;
const sorted = Array.from(latencies.subarray(rate * WARMUP_SECONDS)).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
console.log(JSON.stringify({ p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), p999: pick(0.999), max: sorted.at(-1), errors }));
process.exit(0);
