// The floor under any proxy written on node's sockets: frames HTTP/1.1 by hand on both hops with
// nothing else (no parser checks, no filters, no routing, no stats, Content-Length bodies only).
// It is measured beside meshkit so the report can tell node's own cost from meshkit's.
//   node node-floor.mjs LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const HEAD_END = Buffer.from('\r\n\r\n');
const idle = [];

/** Reads one Content-Length response, writes it to `downstream`, and returns the connection. */
function onUpstreamData(upstream, chunk) {
  upstream.held = upstream.held === null ? chunk : Buffer.concat([upstream.held, chunk]);
  const held = upstream.held;
  const end = held.indexOf(HEAD_END);
  if (end === -1) return;
  const head = held.toString('latin1', 0, end);
  const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  if (held.length < end + 4 + length) return;
  upstream.held = null;
  const downstream = upstream.downstream;
  upstream.downstream = null;
  idle.push(upstream);
  downstream.cork();
  downstream.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${length}\r\n\r\n`, 'latin1');
  downstream.write(held.subarray(end + 4, end + 4 + length));
  process.nextTick(() => downstream.uncork());
}

function upstreamConnection() {
  const pooled = idle.pop();
  if (pooled !== undefined) return pooled;
  const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
  upstream.held = null;
  upstream.downstream = null;
  upstream.on('data', (chunk) => onUpstreamData(upstream, chunk));
  upstream.on('error', () => upstream.destroy());
  return upstream;
}

net
  .createServer({ noDelay: true }, (downstream) => {
    let held = null;
    downstream.on('error', () => downstream.destroy());
    downstream.on('data', (chunk) => {
      held = held === null ? chunk : Buffer.concat([held, chunk]);
      const end = held.indexOf(HEAD_END);
      if (end === -1) return;
      const line = held.toString('latin1', 0, held.indexOf('\r\n'));
      held = null;
      const [method, target] = line.split(' ');
      const upstream = upstreamConnection();
      upstream.downstream = downstream;
      upstream.write(`${method} ${target} HTTP/1.1\r\nhost: upstream\r\n\r\n`, 'latin1');
    });
  })
  .listen(listenPort, '127.0.0.1');
process.on('SIGINT', () => process.exit(0));
