// The ceiling for a proxy on node's sockets: each downstream connection gets its own upstream
// connection and bytes are relayed verbatim both ways — no HTTP framing, no pooling, nothing per
// request in JavaScript but one read callback and one write on each hop. Reads use `onread`
// buffers, which skip the Readable stream machinery; node offers them only to sockets it
// connects, so the accepted socket's handle is moved into a new Socket (node's internal
// `_handle`, as meshkit's listener does with a fallback). node-floor adds HTTP framing; meshkit
// adds everything else.
//   node node-relay.mjs LISTEN_PORT UPSTREAM_PORT
import net from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);

/** Copies each read out of the socket's reused buffer and hands it to `sink`. */
const reader = (sink) => ({ buffer: Buffer.allocUnsafe(64 * 1024), callback: (length, buffer) => sink(Buffer.from(buffer.subarray(0, length))) });

net
  .createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    const handle = accepted._handle;
    accepted._handle = null;
    let downstream = null;
    const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true, onread: reader((chunk) => downstream.write(chunk)) });
    downstream = new net.Socket({ handle, onread: reader((chunk) => upstream.write(chunk)) });
    downstream.setNoDelay(true);
    const close = () => {
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  })
  .listen(listenPort, '127.0.0.1');
process.on('SIGINT', () => process.exit(0));
