import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CertificateAuthority,
  WorkloadIdentity,
  clientTlsOptions,
  peerSpiffeId,
  serverTlsOptions,
  spiffeIdFor,
  verifyClientSpiffeId,
} from '../src/index.js';
import { exchange, startTlsServer } from './support/tls-peers.js';
import type { RunningServer } from './support/tls-peers.js';

const REVIEWS = spiffeIdFor({ namespace: 'default', serviceAccount: 'reviews' });
const PRODUCTPAGE = spiffeIdFor({ namespace: 'default', serviceAccount: 'productpage' });
const RATINGS = spiffeIdFor({ namespace: 'default', serviceAccount: 'ratings' });
const ISTIO_SNI = 'outbound_.9080_._.reviews.default.svc.cluster.local';

let ca: CertificateAuthority;
let reviews: WorkloadIdentity;
let productpage: WorkloadIdentity;
let strangerProductpage: WorkloadIdentity;

async function issue(authority: CertificateAuthority, spiffeId: string): Promise<WorkloadIdentity> {
  return WorkloadIdentity.issue(spiffeId, (csr) => authority.sign(csr, { spiffeId }), authority.rootCertPem);
}

beforeAll(async () => {
  ca = await CertificateAuthority.create();
  const otherCa = await CertificateAuthority.create();
  [reviews, productpage, strangerProductpage] = await Promise.all([
    issue(ca, REVIEWS),
    issue(ca, PRODUCTPAGE),
    issue(otherCa, PRODUCTPAGE),
  ]);
});

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function reviewsServer(onAccept: (socket: TLSSocket) => string | null = (socket) => `hello ${peerSpiffeId(socket)}`) {
  const server = await startTlsServer(serverTlsOptions(reviews), onAccept);
  servers.push(server);
  return server;
}

describe('mTLS between issued identities', () => {
  it('connects when the server is an allowed SPIFFE ID, whatever SNI says, and each side sees the other', async () => {
    const server = await reviewsServer();
    const result = await exchange(server.port, clientTlsOptions(productpage, { allowedSpiffeIds: [REVIEWS], servername: ISTIO_SNI }));
    expect(result.error).toBeNull();
    expect(result.reply).toBe(`hello ${PRODUCTPAGE}`);
  });

  it('accepts a server under an allowed prefix', async () => {
    const server = await reviewsServer();
    const result = await exchange(server.port, clientTlsOptions(productpage, { allowedSpiffeIds: { prefix: 'spiffe://cluster.local/ns/default/' } }));
    expect(result.reply).toBe(`hello ${PRODUCTPAGE}`);
  });

  it('fails on a server with the wrong SPIFFE ID, naming both', async () => {
    const server = await reviewsServer();
    const result = await exchange(server.port, clientTlsOptions(productpage, { allowedSpiffeIds: [RATINGS] }));
    expect(result.reply).toBeNull();
    expect(result.error).toMatchObject({ code: 'MESHKIT_IDENTITY_PEER_REJECTED' });
    expect(result.error?.message).toContain(REVIEWS);
    expect(result.error?.message).toContain(RATINGS);
  });

  it('fails on a server whose certificate is from another CA even if its SPIFFE ID is allowed', async () => {
    const stranger = await startTlsServer(serverTlsOptions(strangerProductpage), () => 'should not be read');
    servers.push(stranger);
    const result = await exchange(stranger.port, clientTlsOptions(reviews, { allowedSpiffeIds: [PRODUCTPAGE] }));
    expect(result.reply).toBeNull();
    // Both roots are named O=cluster.local, so OpenSSL may report the failed signature either way.
    const code = (result.error as { code?: string } | null)?.code;
    expect(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_SIGNATURE_FAILURE']).toContain(code);
  });

  it('rejects a client that presents no certificate', async () => {
    const server = await reviewsServer();
    const options = clientTlsOptions(productpage, { allowedSpiffeIds: [REVIEWS] });
    delete options.cert;
    delete options.key;
    const result = await exchange(server.port, options);
    expect(result.reply).toBeNull();
    expect(server.accepted).toHaveLength(0);
    expect(server.handshakeErrors.map((error) => error.message).join()).toMatch(/certificate/i);
  });

  it('rejects a client whose certificate comes from another CA', async () => {
    const server = await reviewsServer();
    // The stranger trusts our root (so it would accept the server) but its own certificate is foreign.
    const options = { ...clientTlsOptions(strangerProductpage, { allowedSpiffeIds: [REVIEWS] }), ca: ca.rootCertPem };
    const result = await exchange(server.port, options);
    expect(result.reply).toBeNull();
    expect(server.accepted).toHaveLength(0);
    expect(server.handshakeErrors.length).toBeGreaterThan(0);
  });

  it('lets the server refuse a verified client whose SPIFFE ID it does not allow', async () => {
    const server = await reviewsServer((socket) => {
      const verdict = verifyClientSpiffeId(socket, [RATINGS]);
      return verdict.ok ? `hello ${verdict.spiffeId}` : null;
    });
    const refused = await exchange(server.port, clientTlsOptions(productpage, { allowedSpiffeIds: [REVIEWS] }));
    expect(refused.reply).toBeNull();

    const allowing = await reviewsServer((socket) => {
      const verdict = verifyClientSpiffeId(socket, { prefix: 'spiffe://cluster.local/' });
      return verdict.ok ? `hello ${verdict.spiffeId}` : verdict.error.message;
    });
    const accepted = await exchange(allowing.port, clientTlsOptions(productpage, { allowedSpiffeIds: [REVIEWS] }));
    expect(accepted.reply).toBe(`hello ${PRODUCTPAGE}`);
  });

  it('explains a refusal from verifyClientSpiffeId', async () => {
    let verdictMessage = '';
    const server = await reviewsServer((socket) => {
      const verdict = verifyClientSpiffeId(socket, [RATINGS]);
      if (!verdict.ok) verdictMessage = verdict.error.message;
      return null;
    });
    await exchange(server.port, clientTlsOptions(productpage, { allowedSpiffeIds: [REVIEWS] }));
    expect(verdictMessage).toBe(`peer SPIFFE ID ${PRODUCTPAGE} is not allowed; expected ${RATINGS}`);
  });

  it('negotiates ALPN and serves HTTPS through node:https', async () => {
    const server = https.createServer(serverTlsOptions(reviews, { alpn: ['http/1.1'] }), (request, response) => {
      response.end(`reviews for ${peerSpiffeId(request.socket as TLSSocket)}`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<{ text: string; alpn: string | false | null }>((resolve, reject) => {
        const request = https.request(
          { ...clientTlsOptions(productpage, { allowedSpiffeIds: [REVIEWS], alpn: ['http/1.1'] }), host: '127.0.0.1', port, path: '/', agent: false },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () => resolve({ text, alpn: (response.socket as TLSSocket).alpnProtocol ?? null }));
          },
        );
        request.on('error', reject);
        request.end();
      });
      expect(body.text).toBe(`reviews for ${PRODUCTPAGE}`);
      expect(body.alpn).toBe('http/1.1');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
