import { X509Certificate, generateKeyPair, randomBytes, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { checkCaCertificate, importCaKey } from './ca-key.js';
import type { CaSigningKey } from './ca-key.js';
import { verifyCsr } from './csr.js';
import { ForeignTrustDomainError, InvalidCaError, InvalidSpiffeIdError, InvalidTtlError, SpiffeMismatchError } from './errors.js';
import { normalizePem, pemBlocks } from './pem.js';
import { DEFAULT_TRUST_DOMAIN, parseSpiffeId } from './spiffe-id.js';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PeculiarCertificate,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  nodeCrypto,
} from './x509.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const DAY_SECONDS = 24 * 60 * 60;
const DEFAULT_WORKLOAD_TTL_SECONDS = DAY_SECONDS;
const DEFAULT_MAX_WORKLOAD_TTL_SECONDS = 90 * DAY_SECONDS;
const DEFAULT_ROOT_VALIDITY_DAYS = 3650;
// Certificates start a little in the past so a peer whose clock runs slightly behind ours
// does not reject a certificate that was issued a moment ago.
const BACKDATE_MS = 60_000;

export interface CertificateAuthorityOptions {
  /** The trust domain this CA signs for; default `cluster.local`. */
  readonly trustDomain?: string;
  /** The root's subject O; default the trust domain, as Istio does. */
  readonly organization?: string;
  /** Root lifetime; default 3650 days. */
  readonly rootValidityDays?: number;
  /** The longest workload certificate this CA issues; default 90 days. */
  readonly maxWorkloadTtlSeconds?: number;
}

export interface CertificateAuthorityPemOptions {
  readonly trustDomain?: string;
  readonly maxWorkloadTtlSeconds?: number;
}

export interface SignOptions {
  /** The identity to certify; the CSR's only URI SAN must equal it. */
  readonly spiffeId: string;
  /** Leaf lifetime; default 24 hours. Capped at the signing certificate's own expiry. */
  readonly ttlSeconds?: number;
}

interface CaState {
  readonly trustDomain: string;
  readonly chainPem: readonly string[];
  readonly signingCert: PeculiarCertificate;
  readonly signingKey: CaSigningKey;
  readonly keyPem: string;
  readonly maxWorkloadTtlSeconds: number;
}

/**
 * The mesh CA: a root (self-signed here, or plugged in) that turns workload CSRs into
 * X.509-SVIDs carrying exactly one SPIFFE URI SAN.
 */
export class CertificateAuthority {
  /** The trust anchor every workload should verify peers against. */
  readonly rootCertPem: string;
  readonly trustDomain: string;
  readonly #state: CaState;

  private constructor(state: CaState) {
    this.#state = state;
    this.trustDomain = state.trustDomain;
    const root = state.chainPem[state.chainPem.length - 1];
    if (root === undefined) throw new InvalidCaError('no certificate given');
    this.rootCertPem = root;
  }

  /** A new self-signed ECDSA P-256 root. */
  static async create(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
    const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    const organization = options.organization ?? trustDomain;
    const validityDays = options.rootValidityDays ?? DEFAULT_ROOT_VALIDITY_DAYS;
    if (!(validityDays > 0)) throw new InvalidCaError(`rootValidityDays must be positive, got ${validityDays}`);
    const { privateKey: keyPem, publicKey: publicKeyDer } = await generateKeyPairAsync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'der' },
    });
    const signingKey = await importCaKey(keyPem);
    const publicKey = await webcrypto.subtle.importKey('spki', publicKeyDer, { name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'verify',
    ]);
    const now = Date.now();
    const root = await X509CertificateGenerator.create(
      {
        serialNumber: randomSerial(),
        subject: [{ O: [organization] }],
        issuer: [{ O: [organization] }],
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + validityDays * DAY_SECONDS * 1000),
        publicKey,
        signingKey: signingKey.privateKey,
        signingAlgorithm: signingKey.signingAlgorithm,
        extensions: [
          new BasicConstraintsExtension(true, undefined, true),
          new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
          await SubjectKeyIdentifierExtension.create(publicKey, false, nodeCrypto),
        ],
      },
      nodeCrypto,
    );
    return new CertificateAuthority({
      trustDomain,
      chainPem: [`${root.toString('pem')}\n`],
      signingCert: root,
      signingKey,
      keyPem,
      maxWorkloadTtlSeconds: options.maxWorkloadTtlSeconds ?? DEFAULT_MAX_WORKLOAD_TTL_SECONDS,
    });
  }

  /**
   * A CA from an existing certificate and key. `certPem` may be a chain: the signing certificate
   * first, then any intermediates, ending at the root; every link is checked.
   */
  static async fromPem(certPem: string, keyPem: string, options: CertificateAuthorityPemOptions = {}): Promise<CertificateAuthority> {
    const chainPem = pemBlocks(certPem);
    const [signingPem] = chainPem;
    if (signingPem === undefined) throw new InvalidCaError('no PEM CERTIFICATE block found');
    let chain: X509Certificate[];
    try {
      chain = chainPem.map((pem) => new X509Certificate(pem));
    } catch (cause) {
      throw new InvalidCaError('a certificate is not readable PEM', { cause });
    }
    const signing = chain[0];
    if (signing !== undefined) checkCaCertificate(signing, keyPem);
    // Each certificate must be signed by the next; the last, the root, by itself.
    chain.forEach((certificate, index) => {
      const issuer = chain[index + 1] ?? certificate;
      if (!certificate.checkIssued(issuer) || !certificate.verify(issuer.publicKey)) {
        throw new InvalidCaError(`${describeSubject(certificate)} is not signed by ${describeSubject(issuer)}`);
      }
    });
    return new CertificateAuthority({
      trustDomain: options.trustDomain ?? DEFAULT_TRUST_DOMAIN,
      chainPem,
      signingCert: new PeculiarCertificate(signingPem),
      signingKey: await importCaKey(keyPem),
      keyPem: normalizePem(keyPem),
      maxWorkloadTtlSeconds: options.maxWorkloadTtlSeconds ?? DEFAULT_MAX_WORKLOAD_TTL_SECONDS,
    });
  }

  /** The CA private key as PKCS#8 PEM, for persisting a self-signed root across restarts. */
  exportPrivateKeyPem(): string {
    return this.#state.keyPem;
  }

  /**
   * Signs a workload CSR and returns the chain `[leaf, ...intermediates, root]`.
   * Throws `BadCsrError`, `InvalidSpiffeIdError`, `ForeignTrustDomainError`,
   * `SpiffeMismatchError` or `InvalidTtlError`.
   */
  async sign(csrPem: string, options: SignOptions): Promise<string[]> {
    const { spiffeId } = options;
    const parts = parseSpiffeId(spiffeId);
    if (parts === null) {
      throw new InvalidSpiffeIdError(spiffeId, 'expected spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>');
    }
    if (parts.trustDomain !== this.trustDomain) throw new ForeignTrustDomainError(spiffeId, this.trustDomain);
    const ttlSeconds = options.ttlSeconds ?? DEFAULT_WORKLOAD_TTL_SECONDS;
    const maxTtl = this.#state.maxWorkloadTtlSeconds;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > maxTtl) throw new InvalidTtlError(ttlSeconds, maxTtl);

    const csr = await verifyCsr(csrPem);
    if (csr.uriSans.length !== 1 || csr.uriSans[0] !== spiffeId) throw new SpiffeMismatchError(spiffeId, csr.uriSans);

    const { signingCert, signingKey } = this.#state;
    const now = Date.now();
    const notAfter = Math.min(now + ttlSeconds * 1000, signingCert.notAfter.getTime());
    const leaf = await X509CertificateGenerator.create(
      {
        serialNumber: randomSerial(),
        // The SPIFFE ID is the whole identity; an empty subject makes the SAN critical (RFC 5280 4.2.1.6).
        subject: [],
        issuer: signingCert.subjectName,
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(notAfter),
        publicKey: csr.request.publicKey,
        signingKey: signingKey.privateKey,
        signingAlgorithm: signingKey.signingAlgorithm,
        extensions: [
          new BasicConstraintsExtension(false, undefined, true),
          new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment, true),
          new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]),
          await this.#authorityKeyIdentifier(),
          new SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true),
        ],
      },
      nodeCrypto,
    );
    return [`${leaf.toString('pem')}\n`, ...this.#state.chainPem];
  }

  async #authorityKeyIdentifier(): Promise<AuthorityKeyIdentifierExtension> {
    const { signingCert } = this.#state;
    const subjectKeyId = signingCert.getExtension(SubjectKeyIdentifierExtension);
    if (subjectKeyId !== null) return new AuthorityKeyIdentifierExtension(subjectKeyId.keyId);
    return AuthorityKeyIdentifierExtension.create(signingCert.publicKey, false, nodeCrypto);
  }
}

function describeSubject(certificate: X509Certificate): string {
  return certificate.subject || '(empty subject)';
}

/** 128 random bits, kept positive and without a leading zero byte as DER INTEGER requires. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

