import { generateKeyPair, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { derToPem } from './pem.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * A workload's private key, created in this process and never sent anywhere: node:tls takes the
 * PKCS#8 PEM, and CSRs are signed with the WebCrypto pair (whose private half is not extractable).
 */
export interface WorkloadKey {
  readonly privateKeyPem: string;
  readonly keyPair: webcrypto.CryptoKeyPair;
}

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A fresh ECDSA P-256 key for one workload certificate. */
export async function generateWorkloadKey(): Promise<WorkloadKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  const [signingKey, verifyingKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', privateKey, P256, false, ['sign']),
    webcrypto.subtle.importKey('spki', publicKey, P256, true, ['verify']),
  ]);
  return {
    privateKeyPem: derToPem(privateKey, 'PRIVATE KEY'),
    keyPair: { privateKey: signingKey, publicKey: verifyingKey },
  };
}

