// The floor under any proxy written on node's sockets: frames HTTP/1.1 by hand on both hops with
// nothing else (no parser checks, no filters, no routing, no stats, Content-Length bodies only).
// Both hops read as meshkit's do, through `onread` buffers (the accepted socket's handle moved into
// a new Socket, as @meshkit/core's adoptAcceptedSocket does), and each message leaves in one write.
// It is measured beside meshkit so the report can tell node's own cost from meshkit's.
//   node node-floor.mjs LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const HEAD_END = Buffer.from('\r\n\r\n');
const idle = [];

/** Copies each read out of the socket's reused buffer and hands it to `sink`. */
const reader = (sink) => ({ buffer: Buffer.allocUnsafe(64 * 1024), callback: (length, buffer) => sink(Buffer.from(buffer.subarray(0, length))) });

/** Reads one Content-Length response, writes it to the waiting downstream, and pools the connection. */
function onUpstreamData(upstream, chunk) {
  const held = upstream.held === null ? chunk : Buffer.concat([upstream.held, chunk]);
  upstream.held = held;
  const end = held.indexOf(HEAD_END);
  if (end === -1) return;
  const head = held.toString('latin1', 0, end);
  const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  if (held.length < end + 4 + length) return;
  upstream.held = null;
  const downstream = upstream.downstream;
  upstream.downstream = null;
  idle.push(upstream);
  const responseHead = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${length}\r\n\r\n`;
  const response = Buffer.allocUnsafe(responseHead.length + length);
  response.latin1Write(responseHead, 0);
  held.copy(response, responseHead.length, end + 4, end + 4 + length);
  downstream.write(response);
}

function upstreamConnection() {
  const pooled = idle.pop();
  if (pooled !== undefined) return pooled;
  const upstream = { socket: null, held: null, downstream: null };
  upstream.socket = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true, onread: reader((chunk) => onUpstreamData(upstream, chunk)) });
  upstream.socket.on('error', () => upstream.socket.destroy());
  return upstream;
}

net
  .createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    const handle = accepted._handle;
    accepted._handle = null;
    let held = null;
    const downstream = new net.Socket({
      handle,
      onread: reader((chunk) => {
        held = held === null ? chunk : Buffer.concat([held, chunk]);
        if (held.indexOf(HEAD_END) === -1) return;
        const [method, target] = held.toString('latin1', 0, held.indexOf('\r\n')).split(' ');
        held = null;
        const upstream = upstreamConnection();
        upstream.downstream = downstream;
        upstream.socket.write(`${method} ${target} HTTP/1.1\r\nhost: upstream\r\n\r\n`, 'latin1');
      }),
    });
    downstream.setNoDelay(true);
    downstream.on('error', () => downstream.destroy());
  })
  .listen(listenPort, '127.0.0.1');
process.on('SIGINT', () => process.exit(0));
