// The floor under any proxy written on node's sockets: frames HTTP/1.1 by hand on both hops with
// nothing else (no parser checks, no filters, no routing, no stats or timeouts, Content-Length
// bodies only). Both hops read as meshkit's do, through `onread` buffers (the accepted socket's
// handle moved into a new Socket, as @meshkit/core's adoptAcceptedSocket does), and each message
// leaves in one write. On LISTEN_PORT + 1 it serves h2c, as the other targets do: node's HTTP/2
// server downstream, the same hand-framed upstream hop. It is measured beside meshkit so the
// report can tell node's own cost from meshkit's.
//   node node-floor.mjs LISTEN_PORT UPSTREAM_PORT
import http2 from 'node:http2';
import net from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const HEAD_END = Buffer.from('\r\n\r\n');
const idle = [];

/** Copies each read out of the socket's reused buffer and hands it to `sink`. */
const reader = (sink) => ({ buffer: Buffer.allocUnsafe(64 * 1024), callback: (length, buffer) => sink(Buffer.from(buffer.subarray(0, length))) });

/** Reads one Content-Length response, hands its body to the waiting downstream, and pools the connection. */
function onUpstreamData(upstream, chunk) {
  const held = upstream.held === null ? chunk : Buffer.concat([upstream.held, chunk]);
  upstream.held = held;
  const end = held.indexOf(HEAD_END);
  if (end === -1) return;
  const head = held.toString('latin1', 0, end);
  const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
  if (held.length < end + 4 + length) return;
  upstream.held = null;
  const respond = upstream.respond;
  upstream.respond = null;
  idle.push(upstream);
  respond(held.subarray(end + 4, end + 4 + length));
}

/** Sends a GET upstream on a pooled connection; `respond` gets the response body. */
function forward(method, target, respond) {
  let upstream = idle.pop();
  if (upstream === undefined) {
    const created = { socket: null, held: null, respond: null };
    created.socket = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true, onread: reader((chunk) => onUpstreamData(created, chunk)) });
    created.socket.on('error', () => created.socket.destroy());
    upstream = created;
  }
  upstream.respond = respond;
  upstream.socket.write(`${method} ${target} HTTP/1.1\r\nhost: upstream\r\n\r\n`, 'latin1');
}

net
  .createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    const handle = accepted._handle;
    accepted._handle = null;
    let held = null;
    // The whole response in one buffer, so it leaves in one write.
    const respond = (body) => {
      const head = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n`;
      const response = Buffer.allocUnsafe(head.length + body.length);
      response.latin1Write(head, 0);
      body.copy(response, head.length);
      downstream.write(response);
    };
    const downstream = new net.Socket({
      handle,
      onread: reader((chunk) => {
        held = held === null ? chunk : Buffer.concat([held, chunk]);
        if (held.indexOf(HEAD_END) === -1) return;
        const [method, target] = held.toString('latin1', 0, held.indexOf('\r\n')).split(' ');
        held = null;
        forward(method, target, respond);
      }),
    });
    downstream.setNoDelay(true);
    downstream.on('error', () => downstream.destroy());
  })
  .listen(listenPort, '127.0.0.1');

http2
  .createServer()
  .on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    forward(headers[':method'], headers[':path'], (body) => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
      stream.end(body);
    });
  })
  .listen(listenPort + 1, '127.0.0.1');
process.on('SIGINT', () => process.exit(0));
