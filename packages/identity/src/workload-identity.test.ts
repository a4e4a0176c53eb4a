import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from './certificate-authority.js';
import { BadCertificateChainError } from './errors.js';
import { WorkloadIdentity } from './workload-identity.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/default/sa/ratings';

let ca: CertificateAuthority;
beforeAll(async () => {
  ca = await CertificateAuthority.create();
});

describe('WorkloadIdentity.issue', () => {
  it('generates a key, gets it certified, and shows the signer only a CSR', async () => {
    const seen: string[] = [];
    const identity = await WorkloadIdentity.issue(
      REVIEWS,
      (csrPem) => {
        seen.push(csrPem);
        return ca.sign(csrPem, { spiffeId: REVIEWS, ttlSeconds: 600 });
      },
      ca.rootCertPem,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(seen[0]).not.toContain('PRIVATE KEY');

    expect(identity.spiffeId).toBe(REVIEWS);
    expect(identity.rootCertPem).toBe(ca.rootCertPem);
    expect(identity.certChainPem).toHaveLength(2);
    const leaf = new X509Certificate(identity.certChainPem[0] ?? '');
    expect(leaf.subjectAltName).toBe(`URI:${REVIEWS}`);
    expect(identity.notAfter.getTime()).toBe(Date.parse(leaf.validTo));
    expect(identity.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const keyCurve = createPublicKey(identity.privateKeyPem).asymmetricKeyDetails?.namedCurve;
    expect(keyCurve).toBe('prime256v1');
    expect(leaf.checkPrivateKey(createPrivateKey(identity.privateKeyPem))).toBe(true);
    expect(identity.presentedChainPem()).toBe(identity.certChainPem[0]);
  });

  it('rejects a chain certifying a different identity than requested', async () => {
    // A signer that ignores the request and returns someone else's (valid) certificate.
    const lying = async (_csrPem: string): Promise<string[]> => {
      const other = await WorkloadIdentity.issue(RATINGS, (csr) => ca.sign(csr, { spiffeId: RATINGS }), ca.rootCertPem);
      return other.certChainPem;
    };
    await expect(WorkloadIdentity.issue(REVIEWS, lying, ca.rootCertPem)).rejects.toThrow(BadCertificateChainError);
  });

  it('rejects a chain that does not lead to the expected root', async () => {
    const stranger = await CertificateAuthority.create();
    const signer = (csrPem: string) => stranger.sign(csrPem, { spiffeId: REVIEWS });
    await expect(WorkloadIdentity.issue(REVIEWS, signer, ca.rootCertPem)).rejects.toThrow(/is not signed by/);
  });

  it('rejects a certificate issued for another key', async () => {
    const first = await WorkloadIdentity.issue(REVIEWS, (csr) => ca.sign(csr, { spiffeId: REVIEWS }), ca.rootCertPem);
    const second = await WorkloadIdentity.issue(REVIEWS, (csr) => ca.sign(csr, { spiffeId: REVIEWS }), ca.rootCertPem);
    expect(
      () =>
        new WorkloadIdentity({
          spiffeId: REVIEWS,
          certChainPem: first.certChainPem,
          privateKeyPem: second.privateKeyPem,
          rootCertPem: ca.rootCertPem,
        }),
    ).toThrow(/different key/);
  });
});

describe('shouldRotate', () => {
  it('turns true at half the certificate lifetime', async () => {
    const identity = await WorkloadIdentity.issue(REVIEWS, (csr) => ca.sign(csr, { spiffeId: REVIEWS, ttlSeconds: 3600 }), ca.rootCertPem);
    const start = identity.notBefore.getTime();
    const halfway = start + (identity.notAfter.getTime() - start) / 2;
    expect(identity.shouldRotate(new Date(halfway - 1000))).toBe(false);
    expect(identity.shouldRotate(new Date(halfway + 1000))).toBe(true);
    expect(identity.shouldRotate()).toBe(false);
  });
});
