import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { makeCertificates } from './support/certs.js';
import type { TestCertificates } from './support/certs.js';
import { HCM_TYPE, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { startTcpUpstream } from './support/tcp.js';
import type { TcpUpstream } from './support/tcp.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** An HTTP connection manager sending every request to `cluster`. */
const hcmTo = (cluster: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': HCM_TYPE,
    stat_prefix: cluster,
    route_config: { name: cluster, virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
    http_filters: [ROUTER_FILTER],
  },
});
const tcpTo = (cluster: string) => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: cluster, cluster } });

/** `openssl s_client` through the proxy: sends `line`, returns the first line read back, then stops the client it started. */
function opensslLine(port: number, serverName: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', serverName, '-quiet'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`openssl read nothing in 10 s: ${out}`));
    }, 10_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(out.slice(0, out.indexOf('\n')));
      }
    });
    child.stdin.write(`${line}\n`);
  });
}

describe('listeners with several filter chains, chosen by SNI, transport and ALPN', () => {
  let certs: TestCertificates;
  const http: Record<string, TestUpstream> = {};
  let echo: TcpUpstream;
  let special: TcpUpstream;
  let proxy: RunningProxy;
  let port: number;

  beforeAll(async () => {
    certs = makeCertificates();
    for (const name of ['alpha', 'beta', 'gamma', 'delta']) http[name] = await startUpstream(name);
    echo = await startTcpUpstream('echo');
    special = await startTcpUpstream('special');
    const tlsSocket = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS, common_tls_context: { tls_certificates: [{ certificate_chain: { inline_string: certs.serverCert }, private_key: { inline_string: certs.serverKey } }] } } };
    const listener = {
      name: 'edge',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } }],
      filter_chains: [
        { name: 'exact', filter_chain_match: { server_names: ['api.example.com'] }, transport_socket: tlsSocket, filters: [hcmTo('alpha')] },
        { name: 'wildcard', filter_chain_match: { server_names: ['*.example.com'] }, transport_socket: tlsSocket, filters: [hcmTo('beta')] },
        { name: 'plaintext', filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: [hcmTo('gamma')] },
        { name: 'tcp', filter_chain_match: { server_names: ['tcp.example.com'] }, transport_socket: tlsSocket, filters: [tcpTo('echo')] },
        { name: 'alpn', filter_chain_match: { server_names: ['tcp.example.com'], application_protocols: ['x-special'] }, transport_socket: tlsSocket, filters: [tcpTo('special')] },
      ],
      default_filter_chain: { transport_socket: tlsSocket, filters: [hcmTo('delta')] },
    };
    const bootstrap = {
      node: { id: 'chains', cluster: 'edge' },
      static_resources: {
        listeners: [listener],
        clusters: [...['alpha', 'beta', 'gamma', 'delta'].map((n) => staticCluster(n, http[n]?.port ?? 0)), staticCluster('echo', echo.port), staticCluster('special', special.port)],
      },
    };
    proxy = await startProxy(parseBootstrap(stringify(bootstrap), 'chains.yaml'), { log: () => undefined });
    await proxy.ready;
    port = (proxy.runtime.listenerManager.listeners[0]?.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([...Object.values(http).map((u) => u.close()), echo.close(), special.close()]);
    certs.remove();
  });

  const upstreamFor = async (host: string): Promise<string> => {
    const { status, body } = await curl(`https://${host}:${port}/`, '-k', '--resolve', `${host}:${port}:127.0.0.1`);
    expect(status).toBe(200);
    return (JSON.parse(body) as { upstream: string }).upstream;
  };

  it('picks the exact server name, then the wildcard (one or more labels deep), else the default chain', async () => {
    expect(await upstreamFor('api.example.com')).toBe('alpha');
    expect(await upstreamFor('www.example.com')).toBe('beta');
    expect(await upstreamFor('a.b.example.com')).toBe('beta');
    expect(await upstreamFor('other.test')).toBe('delta');
  });

  it("advertises the connection manager's ALPN on its TLS chain, so curl negotiates HTTP/2", async () => {
    const res = await curl(`https://api.example.com:${port}/h2`, '-k', '-i', '--http2', '--resolve', `api.example.com:${port}:127.0.0.1`);
    expect(res.status).toBe(200);
    expect(res.body.startsWith('HTTP/2 200')).toBe(true);
  });

  it('sends plaintext on the same port to the raw_buffer chain, the ClientHello peek leaving every byte for HTTP', async () => {
    const { status, body } = await curl(`http://127.0.0.1:${port}/plain`);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ upstream: 'gamma', url: '/plain' });
  });

  it('proxies TCP under TLS by SNI (openssl s_client), and by ALPN to another chain', async () => {
    expect(await opensslLine(port, 'tcp.example.com', 'ping')).toBe('echo:PING');
    const viaAlpn = await new Promise<string>((resolve, reject) => {
      const client = tls.connect({ host: '127.0.0.1', port, servername: 'tcp.example.com', ALPNProtocols: ['x-special'], rejectUnauthorized: false });
      let text = '';
      client.setEncoding('utf8').on('data', (c: string) => (text += c));
      client.once('error', reject);
      // Half-close under TLS: the upstream answers the FIN, and the answer still arrives.
      client.once('secureConnect', () => client.end('hi\n'));
      client.once('close', () => resolve(text));
    });
    expect(viaAlpn).toBe('special:HI\nspecial:bye (3 bytes)\n');
  });
});
