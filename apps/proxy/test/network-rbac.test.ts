import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { clientVerifyingTlsSocket, makeCertificates, makeClientCertificate } from './support/certs.js';
import type { TestCertificates } from './support/certs.js';
import { bootstrapWith, staticCluster } from './support/static-bootstrap.js';
import { startTcpUpstream } from './support/tcp.js';
import type { TcpUpstream } from './support/tcp.js';

const REVIEWS = 'spiffe://cluster.local/ns/shop/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/shop/sa/ratings';

describe('network RBAC over mTLS: ALLOW by SPIFFE principal and destination port', () => {
  let certs: TestCertificates;
  let echo: TcpUpstream;
  let proxy: RunningProxy;
  let port: number;

  beforeAll(async () => {
    certs = makeCertificates();
    echo = await startTcpUpstream('echo');
    const rbac = {
      name: 'envoy.filters.network.rbac',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
        stat_prefix: 'mtls.',
        rules: {
          action: 'ALLOW',
          policies: {
            // The listener is not on port 1, so only the principal policy can admit a connection.
            'never-by-port': { permissions: [{ destination_port: 1 }], principals: [{ any: true }] },
            reviews: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: REVIEWS } } }] },
          },
        },
      },
    };
    const listener = {
      name: 'mtls',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          transport_socket: clientVerifyingTlsSocket(certs, true),
          filters: [rbac, { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'echo', cluster: 'echo' } }],
        },
      ],
    };
    const doc = bootstrapWith('rbac', { listeners: [listener], clusters: [staticCluster('echo', echo.port)] });
    proxy = await startProxy(parseBootstrap(stringify(doc), 'rbac.yaml'), { log: () => undefined });
    port = (proxy.runtime.listenerManager.listeners[0]?.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await proxy.close();
    await echo.close();
    certs.remove();
  });

  /** One mTLS session as the workload `name`: sends a line, half-closes, returns what came back. */
  function asWorkload(name: string, spiffeId: string): Promise<string> {
    const { cert, key } = makeClientCertificate(certs, name, spiffeId);
    return new Promise((resolve, reject) => {
      const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert, cert, key });
      let text = '';
      client.setEncoding('utf8').on('data', (c: string) => (text += c));
      client.once('secureConnect', () => client.end('hello\n'));
      client.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(text) : reject(error)));
      client.once('close', () => resolve(text));
    });
  }

  it('lets the allowed principal through and closes the other one', async () => {
    expect(await asWorkload('reviews', REVIEWS)).toBe('echo:HELLO\necho:bye (6 bytes)\n');
    expect(await asWorkload('ratings', RATINGS)).toBe('');
    const stats = (await curl(`http://127.0.0.1:${proxy.adminAddress?.port ?? 0}/stats?filter=rbac`)).body;
    expect(stats).toBe('mtls.rbac.allowed: 1\nmtls.rbac.denied: 1\n');
  });
});
