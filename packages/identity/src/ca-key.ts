import { createPrivateKey, webcrypto } from 'node:crypto';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { InvalidCaError } from './errors.js';

/** A CA signing key as WebCrypto needs it, with the signature algorithm that fits it. */
export interface CaSigningKey {
  readonly privateKey: webcrypto.CryptoKey;
  readonly signingAlgorithm: { readonly name: string; readonly hash?: string };
}

/**
 * Imports a PEM private key for signing, choosing the algorithm from the key itself, so a root
 * plugged in from elsewhere (EC P-256/P-384 or RSA) works without the caller naming it.
 */
export async function importCaKey(keyPem: string): Promise<CaSigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (cause) {
    throw new InvalidCaError('the private key is not a readable PEM key', { cause });
  }
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve === 'prime256v1' ? 'P-256' : details.namedCurve === 'secp384r1' ? 'P-384' : null;
    if (curve === null) throw new InvalidCaError(`EC curve ${details.namedCurve ?? 'unknown'} is not supported`);
    const hash = curve === 'P-256' ? 'SHA-256' : 'SHA-384';
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
    return { privateKey, signingAlgorithm: { name: 'ECDSA', hash } };
  }
  if (key.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
    return { privateKey, signingAlgorithm: { name: algorithm.name } };
  }
  throw new InvalidCaError(`key type ${key.asymmetricKeyType ?? 'unknown'} is not supported (use EC or RSA)`);
}

/** Checks the certificate is a CA whose public key belongs to `keyPem`. */
export function checkCaCertificate(certificate: X509Certificate, keyPem: string): void {
  if (!certificate.ca) throw new InvalidCaError(`${certificate.subject || 'a certificate with an empty subject'} is not a CA certificate (basicConstraints CA:false)`);
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch (cause) {
    throw new InvalidCaError('the private key is not a readable PEM key', { cause });
  }
  if (!matches) {
    throw new InvalidCaError(`the private key does not belong to ${certificate.subject}`);
  }
}
