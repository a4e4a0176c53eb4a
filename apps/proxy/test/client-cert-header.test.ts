import { createHash, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { clientVerifyingTlsSocket, makeCertificates, makeClientCertificate } from './support/certs.js';
import type { TestCertificates } from './support/certs.js';
import { startHeaderEcho } from './support/header-echo.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, HCM_TYPE, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';

const SPIFFE_ID = 'spiffe://cluster.local/ns/shop/sa/web';

describe('x-forwarded-client-cert (forward_client_cert_details, set_current_client_cert_details; built proxy, curl over TLS)', () => {
  let certs: TestCertificates;
  let echo: Awaited<ReturnType<typeof startHeaderEcho>>;
  let proxy: ProxyProcess;
  const ports = new Map<string, string>();
  let client: { certFile: string; keyFile: string; hash: string };

  /** A TLS listener that asks for (but does not require) a client certificate, with `hcmExtra` on its connection manager. */
  function tlsListener(name: string, hcmExtra: Record<string, unknown>): Record<string, unknown> {
    const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo' } }] }] };
    return {
      name,
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          transport_socket: clientVerifyingTlsSocket(certs, false),
          filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM_TYPE, stat_prefix: name, route_config: routes, http_filters: [ROUTER_FILTER], ...hcmExtra } }],
        },
      ],
    };
  }

  beforeAll(async () => {
    certs = makeCertificates();
    const { cert } = makeClientCertificate(certs, 'web', SPIFFE_ID);
    client = { certFile: path.join(certs.dir, 'web.crt'), keyFile: path.join(certs.dir, 'web.key'), hash: createHash('sha256').update(new X509Certificate(cert).raw).digest('hex') };
    echo = await startHeaderEcho();
    const listeners = [
      tlsListener('append', { forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: true, uri: true, dns: true } }),
      tlsListener('set', { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } }),
      tlsListener('sanitize', {}),
      tlsListener('always', { forward_client_cert_details: 'ALWAYS_FORWARD_ONLY' }),
    ];
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrapWith('xfcc', { listeners, clusters: [staticCluster('echo', echo.port)] })), '--log-level', 'warn']);
    for (const line of (await curl(`http://${proxy.admin}/listeners`)).body.trim().split('\n')) {
      const [name, address] = line.split('::');
      ports.set(name ?? '', (address ?? '').split(':')[1] ?? '');
    }
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await echo?.close();
    certs?.remove();
  });

  /** The XFCC the upstream got through `listener`, with or without the client certificate. */
  async function upstreamXfcc(listener: string, withCert: boolean, sent?: string): Promise<string | undefined> {
    const args = ['--cacert', certs.caCertFile, ...(withCert ? ['--cert', client.certFile, '--key', client.keyFile] : []), ...(sent === undefined ? [] : ['-H', `x-forwarded-client-cert: ${sent}`])];
    const res = await curl(`https://localhost:${ports.get(listener) ?? ''}/`, ...args);
    expect(res.status).toBe(200);
    return (JSON.parse(res.body) as Record<string, string | undefined>)['x-forwarded-client-cert'];
  }

  it('APPEND_FORWARD adds this hop’s element after what came in: Hash, Subject, URI (DNS only when the cert has one)', async () => {
    const element = `Hash=${client.hash};Subject="CN=web";URI=${SPIFFE_ID}`;
    expect(await upstreamXfcc('append', true)).toBe(element);
    expect(await upstreamXfcc('append', true, 'By=spiffe://a;Hash=00')).toBe(`By=spiffe://a;Hash=00,${element}`);
  });

  it('writes an empty Subject for a certificate without one (SPIFFE workload certificates have none)', async () => {
    const { cert } = makeClientCertificate(certs, 'anonymous', SPIFFE_ID, '/');
    const hash = createHash('sha256').update(new X509Certificate(cert).raw).digest('hex');
    const args = ['--cacert', certs.caCertFile, '--cert', path.join(certs.dir, 'anonymous.crt'), '--key', path.join(certs.dir, 'anonymous.key')];
    const res = await curl(`https://localhost:${ports.get('append') ?? ''}/`, ...args);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as Record<string, string>)['x-forwarded-client-cert']).toBe(`Hash=${hash};Subject="";URI=${SPIFFE_ID}`);
  });

  it('SANITIZE_SET replaces what came in', async () => {
    expect(await upstreamXfcc('set', true, 'By=spiffe://forged;Hash=00')).toBe(`Hash=${client.hash};URI=${SPIFFE_ID}`);
  });

  it('removes a client’s own XFCC when there is no client certificate, and always by default (SANITIZE)', async () => {
    expect(await upstreamXfcc('append', false, 'URI=spiffe://forged')).toBeUndefined();
    expect(await upstreamXfcc('sanitize', true, 'URI=spiffe://forged')).toBeUndefined();
  });

  it('refuses a client certificate it was not required to get but cannot verify, as Envoy fails the handshake', async () => {
    const stranger = makeCertificates();
    try {
      makeClientCertificate(stranger, 'stranger', 'spiffe://elsewhere/ns/x/sa/y');
      const args = ['--cacert', certs.caCertFile, '--cert', path.join(stranger.dir, 'stranger.crt'), '--key', path.join(stranger.dir, 'stranger.key')];
      await expect(curl(`https://localhost:${ports.get('append') ?? ''}/`, ...args)).rejects.toThrow();
    } finally {
      stranger.remove();
    }
  });

  it('ALWAYS_FORWARD_ONLY passes it on untouched', async () => {
    expect(await upstreamXfcc('always', false, 'URI=spiffe://from-the-edge')).toBe('URI=spiffe://from-the-edge');
  });
});
