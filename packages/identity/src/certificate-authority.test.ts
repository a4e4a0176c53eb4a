import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, scratchDirectory } from '../test/support/openssl.js';
import { CertificateAuthority } from './certificate-authority.js';
import { createCsr } from './csr.js';
import {
  BadCsrError,
  ForeignTrustDomainError,
  InvalidCaError,
  InvalidSpiffeIdError,
  InvalidTtlError,
  SpiffeMismatchError,
} from './errors.js';
import { generateWorkloadKey } from './workload-key.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/default/sa/ratings';

type Scratch = Awaited<ReturnType<typeof scratchDirectory>>;
let scratch: Scratch;
let ca: CertificateAuthority;

beforeAll(async () => {
  scratch = await scratchDirectory();
  ca = await CertificateAuthority.create();
});
afterAll(async () => {
  await scratch.remove();
});

async function csrFor(spiffeId: string): Promise<string> {
  return createCsr(await generateWorkloadKey(), spiffeId);
}

describe('CertificateAuthority.create', () => {
  it('makes a self-signed P-256 CA root with keyCertSign and cRLSign', async () => {
    const root = new X509Certificate(ca.rootCertPem);
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(root.subject).toBe('O=cluster.local');
    expect(ca.trustDomain).toBe('cluster.local');
    const text = await openssl(['x509', '-noout', '-text', '-in', await scratch.write('root.pem', ca.rootCertPem)]);
    expect(text.stdout).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text.stdout).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });

  it('honours trust domain, organization and root lifetime', async () => {
    const custom = await CertificateAuthority.create({ trustDomain: 'prod.example', organization: 'Example Mesh', rootValidityDays: 30 });
    const root = new X509Certificate(custom.rootCertPem);
    expect(custom.trustDomain).toBe('prod.example');
    expect(root.subject).toBe('O=Example Mesh');
    const lifetimeDays = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThan(29.9);
    expect(lifetimeDays).toBeLessThan(30.1);
  });
});

describe('CertificateAuthority.sign', () => {
  it('issues [leaf, root] that node and openssl both accept for client and server auth', async () => {
    const before = Date.now();
    const chain = await ca.sign(await csrFor(REVIEWS), { spiffeId: REVIEWS, ttlSeconds: 3600 });
    expect(chain).toHaveLength(2);
    const [leafPem = '', rootPem] = chain;
    expect(rootPem).toBe(ca.rootCertPem);

    const leaf = new X509Certificate(leafPem);
    const root = new X509Certificate(ca.rootCertPem);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe(`URI:${REVIEWS}`);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const notBefore = Date.parse(leaf.validFrom);
    const notAfter = Date.parse(leaf.validTo);
    expect(notBefore).toBeLessThan(before - 30_000);
    expect(notBefore).toBeGreaterThan(before - 5 * 60_000);
    expect(Math.abs(notAfter - (before + 3_600_000))).toBeLessThan(5_000);

    const rootFile = await scratch.write('ca-root.pem', ca.rootCertPem);
    const leafFile = await scratch.write('leaf.pem', leafPem);
    for (const purpose of ['sslclient', 'sslserver']) {
      const verified = await openssl(['verify', '-CAfile', rootFile, '-purpose', purpose, leafFile]);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toContain('OK');
    }
    const text = await openssl(['x509', '-noout', '-text', '-in', leafFile]);
    expect(text.stdout).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text.stdout).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text.stdout).toMatch(/Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/reviews\s/);
  });

  it('defaults to a 24 hour leaf and gives every leaf its own serial', async () => {
    const csr = await csrFor(REVIEWS);
    const [first = ''] = await ca.sign(csr, { spiffeId: REVIEWS });
    const [second = ''] = await ca.sign(csr, { spiffeId: REVIEWS });
    const a = new X509Certificate(first);
    const b = new X509Certificate(second);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.serialNumber.length).toBe(32);
    expect(Math.abs(Date.parse(a.validTo) - Date.now() - 86_400_000)).toBeLessThan(5_000);
  });

  it('refuses a CSR that asks for a different identity', async () => {
    await expect(ca.sign(await csrFor(RATINGS), { spiffeId: REVIEWS })).rejects.toThrow(SpiffeMismatchError);
  });

  it('refuses a CSR with more than one URI SAN, even if one of them is right', async () => {
    const key = await scratch.write('two-sans.key', (await generateWorkloadKey()).privateKeyPem);
    const made = await openssl([
      'req', '-new', '-key', key, '-subj', '/O=x', '-addext', `subjectAltName=URI:${REVIEWS},URI:${RATINGS}`,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const error = await ca.sign(made.stdout, { spiffeId: REVIEWS }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpiffeMismatchError);
    expect(String(error)).toContain(RATINGS);
  });

  it('signs a CSR that openssl made', async () => {
    const key = await scratch.write('openssl.key', (await generateWorkloadKey()).privateKeyPem);
    const made = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', `subjectAltName=URI:${REVIEWS}`]);
    expect(made.code, made.stderr).toBe(0);
    const [leafPem = ''] = await ca.sign(made.stdout, { spiffeId: REVIEWS });
    expect(new X509Certificate(leafPem).subjectAltName).toBe(`URI:${REVIEWS}`);
  });

  it('ignores whatever else a CSR asks for: a CA:TRUE request still yields a CA:FALSE leaf with only the SPIFFE SAN', async () => {
    const key = await scratch.write('greedy.key', (await generateWorkloadKey()).privateKeyPem);
    const made = await openssl([
      'req', '-new', '-key', key, '-subj', '/CN=admin', '-addext', `subjectAltName=URI:${REVIEWS},DNS:admin.example`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const [leafPem = ''] = await ca.sign(made.stdout, { spiffeId: REVIEWS });
    const leaf = new X509Certificate(leafPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe(`URI:${REVIEWS}`);
    expect(leaf.subject).toBeFalsy();
    const text = await openssl(['x509', '-noout', '-text', '-in', await scratch.write('greedy-leaf.pem', leafPem)]);
    expect(text.stdout).not.toContain('Certificate Sign');
  });

  it('refuses a CSR whose self-signature does not verify', async () => {
    const csr = await csrFor(REVIEWS);
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(ca.sign(tampered, { spiffeId: REVIEWS })).rejects.toThrow(/self-signature does not verify/);
    await expect(ca.sign('not a csr', { spiffeId: REVIEWS })).rejects.toThrow(BadCsrError);
  });

  it('refuses weak keys', async () => {
    const key = await scratch.write('rsa1024.key', '');
    const generated = await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', key]);
    expect(generated.code, generated.stderr).toBe(0);
    const made = await openssl(['req', '-new', '-key', key, '-subj', '/', '-addext', `subjectAltName=URI:${REVIEWS}`]);
    expect(made.code, made.stderr).toBe(0);
    await expect(ca.sign(made.stdout, { spiffeId: REVIEWS })).rejects.toThrow(/1024 bits is too short/);
  });

  it('refuses identities outside its trust domain, and malformed ones', async () => {
    const foreign = 'spiffe://other.mesh/ns/default/sa/reviews';
    await expect(ca.sign(await csrFor(foreign), { spiffeId: foreign })).rejects.toThrow(ForeignTrustDomainError);
    await expect(ca.sign(await csrFor(REVIEWS), { spiffeId: 'spiffe://cluster.local/reviews' })).rejects.toThrow(
      InvalidSpiffeIdError,
    );
  });

  it('refuses lifetimes that are not positive or exceed the maximum', async () => {
    const small = await CertificateAuthority.create({ maxWorkloadTtlSeconds: 3600 });
    const csr = await csrFor(REVIEWS);
    await expect(small.sign(csr, { spiffeId: REVIEWS, ttlSeconds: 3601 })).rejects.toThrow(InvalidTtlError);
    await expect(small.sign(csr, { spiffeId: REVIEWS, ttlSeconds: 0 })).rejects.toThrow(InvalidTtlError);
    await expect(small.sign(csr, { spiffeId: REVIEWS, ttlSeconds: 3600 })).resolves.toHaveLength(2);
  });
});

describe('CertificateAuthority.fromPem', () => {
  it('reloads a root it exported and keeps signing under it', async () => {
    const reloaded = await CertificateAuthority.fromPem(ca.rootCertPem, ca.exportPrivateKeyPem());
    expect(reloaded.rootCertPem).toBe(ca.rootCertPem);
    const [leafPem = ''] = await reloaded.sign(await csrFor(REVIEWS), { spiffeId: REVIEWS });
    expect(new X509Certificate(leafPem).verify(new X509Certificate(ca.rootCertPem).publicKey)).toBe(true);
  });

  it('signs as an intermediate made by openssl and returns the whole chain', async () => {
    const { dir } = scratch;
    await scratch.write(
      'ca.cnf',
      '[root]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' +
        '[intermediate]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n',
    );
    const steps: string[][] = [
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'o-root.pem', '-subj', '/O=Corp Root', '-days', '30', '-extensions', 'root', '-config', 'ca.cnf'],
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/O=Mesh Intermediate'],
      ['x509', '-req', '-in', 'int.csr', '-CA', 'o-root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '10', '-extfile', 'ca.cnf', '-extensions', 'intermediate'],
    ];
    for (const step of steps) {
      const result = await openssl(step, dir);
      expect(result.code, result.stderr).toBe(0);
    }
    const read = (name: string) => readFile(path.join(dir, name), 'utf8');
    const intermediate = await CertificateAuthority.fromPem((await read('int.pem')) + (await read('o-root.pem')), await read('int.key'));
    expect(new X509Certificate(intermediate.rootCertPem).subject).toBe('O=Corp Root');

    const chain = await intermediate.sign(await csrFor(REVIEWS), { spiffeId: REVIEWS, ttlSeconds: 60 * 86_400 });
    expect(chain).toHaveLength(3);
    const leafFile = await scratch.write('int-leaf.pem', chain[0] ?? '');
    const untrusted = await scratch.write('int-chain.pem', chain[1] ?? '');
    const verified = await openssl(['verify', '-CAfile', 'o-root.pem', '-untrusted', untrusted, '-purpose', 'sslclient', leafFile], dir);
    expect(verified.code, verified.stderr).toBe(0);
    // The intermediate expires in 10 days, so a 60-day request is cut to its lifetime.
    const leaf = new X509Certificate(chain[0] ?? '');
    expect(Date.parse(leaf.validTo)).toBeLessThanOrEqual(Date.parse(new X509Certificate(chain[1] ?? '').validTo));
  });

  it('rejects a key that does not belong to the certificate, and a non-CA certificate', async () => {
    const other = await CertificateAuthority.create();
    await expect(CertificateAuthority.fromPem(ca.rootCertPem, other.exportPrivateKeyPem())).rejects.toThrow(InvalidCaError);
    const key = await generateWorkloadKey();
    const [leafPem = ''] = await ca.sign(await createCsr(key, REVIEWS), { spiffeId: REVIEWS });
    await expect(CertificateAuthority.fromPem(leafPem, key.privateKeyPem)).rejects.toThrow(/not a CA certificate/);
  });
});
