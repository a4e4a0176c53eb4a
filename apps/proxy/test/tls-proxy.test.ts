import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { makeCertificates } from './support/certs.js';
import type { TestCertificates } from './support/certs.js';
import { bootstrapWith, httpListener, staticCluster } from './support/static-bootstrap.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

describe('TLS listeners and TLS upstream clusters', () => {
  let certs: TestCertificates;
  let alpha: TestUpstream;
  let beta: TestUpstream;
  let proxy: RunningProxy | undefined;

  beforeAll(async () => {
    certs = makeCertificates();
    // Both upstreams speak TLS with a certificate from the test CA.
    alpha = await startUpstream('alpha', { cert: certs.serverCert, key: certs.serverKey });
    beta = await startUpstream('beta', { cert: certs.serverCert, key: certs.serverKey });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await Promise.all([alpha.close(), beta.close()]);
    certs.remove();
  });

  function upstreamTls(trustedCa: Record<string, string>, sni: string) {
    return {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: { '@type': UPSTREAM_TLS, sni, common_tls_context: { validation_context: { trusted_ca: trustedCa } } },
      },
    };
  }

  async function start(certificate: Record<string, unknown>, betaCa: Record<string, string>, tlsParams?: Record<string, unknown>) {
    const listener = httpListener('https', 0, {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: { '@type': DOWNSTREAM_TLS, common_tls_context: { tls_certificates: [certificate], ...(tlsParams === undefined ? {} : { tls_params: tlsParams }) } },
      },
    });
    const doc = bootstrapWith('tls-edge', {
      listeners: [listener],
      clusters: [
        staticCluster('alpha', alpha.port, upstreamTls({ inline_string: certs.caCert }, 'upstream.test')),
        staticCluster('beta', beta.port, upstreamTls(betaCa, 'upstream.test')),
      ],
    });
    proxy = await startProxy(parseBootstrap(stringify(doc), 'tls.yaml'), { log: () => undefined });
    const port = (proxy.runtime.listenerManager.listeners[0]?.server.address() as AddressInfo).port;
    return { url: `https://localhost:${port}`, admin: `http://127.0.0.1:${proxy.adminAddress?.port ?? 0}` };
  }

  it('terminates TLS from inline certificates and originates verified TLS upstream (curl --cacert)', async () => {
    const { url, admin } = await start(
      { certificate_chain: { inline_string: certs.serverCert }, private_key: { inline_string: certs.serverKey } },
      { filename: certs.caCertFile },
    );
    const toAlpha = await curl(`${url}/secure`, '--cacert', certs.caCertFile, '-H', 'Host: alpha.test');
    expect(toAlpha.status).toBe(200);
    expect(JSON.parse(toAlpha.body)).toEqual({ upstream: 'alpha', url: '/secure', host: 'alpha.test' });
    const toBeta = await curl(`${url}/beta/b`, '--cacert', certs.caCertFile);
    expect(JSON.parse(toBeta.body)).toMatchObject({ upstream: 'beta', url: '/b' });
    // Without the CA, curl must refuse the listener's certificate.
    await expect(curl(`${url}/`, '-H', 'Host: alpha.test')).rejects.toThrow(/certificate/i);

    // The inline private key never leaves the proxy through the admin API.
    const dump = (await curl(`${admin}/config_dump`)).body;
    expect(dump).toContain('[redacted]');
    expect(dump).not.toContain('PRIVATE KEY');
    expect(dump).toContain('BEGIN CERTIFICATE');
  });

  it('reads certificates from files, and fails a request whose upstream is not trusted', async () => {
    const { url } = await start(
      { certificate_chain: { filename: certs.serverCertFile }, private_key: { filename: certs.serverKeyFile } },
      // beta's cluster trusts its own server certificate as a CA, which does not verify the upstream.
      { inline_string: certs.serverCert },
    );
    const ok = await curl(`${url}/`, '--cacert', certs.caCertFile, '-H', 'Host: alpha.test');
    expect(JSON.parse(ok.body)).toMatchObject({ upstream: 'alpha' });
    const untrusted = await curl(`${url}/beta/`, '--cacert', certs.caCertFile);
    expect(untrusted.status).toBe(503);
    expect(beta.seen).toHaveLength(1);
  });

  it('holds clients to tls_params: TLS 1.3 only refuses a TLS 1.2 client', async () => {
    const { url } = await start(
      { certificate_chain: { inline_string: certs.serverCert }, private_key: { inline_string: certs.serverKey } },
      { filename: certs.caCertFile },
      { tls_minimum_protocol_version: 'TLSv1_3' },
    );
    const port = Number(new URL(url).port);
    const handshake = (maxVersion: tls.SecureVersion): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certs.caCert, maxVersion }, () => {
          resolve(socket.getProtocol() ?? '');
          socket.destroy();
        });
        socket.once('error', reject);
      });
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    await expect(handshake('TLSv1.2')).rejects.toThrow(/version|alert/i);
    expect((await curl(`${url}/`, '--cacert', certs.caCertFile, '-H', 'Host: alpha.test', '--tls-max', '1.3')).status).toBe(200);
  });
});
