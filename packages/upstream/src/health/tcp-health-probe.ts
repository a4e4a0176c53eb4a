import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HealthProbe, ProbeTransport } from './health-probe.js';

/** Healthy when a TCP connection (and the TLS handshake, for a TLS cluster) completes. */
export function tcpHealthProbe(transport: ProbeTransport): HealthProbe {
  return (endpoint, signal) =>
    new Promise<boolean>((resolve, reject) => {
      const tls = transport.tls;
      const socket =
        tls === undefined
          ? connect({ host: endpoint.address, port: endpoint.port, signal })
          : tlsConnect({ ...tls, host: endpoint.address, port: endpoint.port });
      const onAbort = (): void => {
        socket.destroy();
        reject(signal.reason instanceof Error ? signal.reason : new Error('health check aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(true);
      });
      socket.once('error', (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(error);
      });
    });
}
