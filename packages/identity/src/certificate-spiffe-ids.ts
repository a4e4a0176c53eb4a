import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { parseSubjectAltNames } from '@meshkit/core';

/**
 * The `spiffe://` URI SANs of a certificate, from node:tls (`getPeerCertificate()`) or
 * node:crypto. Both give SANs as Node's `subjectaltname` text, which JSON-quotes any value
 * holding a separator, so a crafted SAN cannot smuggle in a second entry.
 */
export function spiffeIdsOfCertificate(cert: PeerCertificate | X509Certificate): string[] {
  const text: string | undefined = cert instanceof X509Certificate ? cert.subjectAltName : cert.subjectaltname;
  if (typeof text !== 'string' || text === '') return [];
  return parseSubjectAltNames(text)
    .filter((entry) => entry.type === 'URI' && entry.value.startsWith('spiffe://'))
    .map((entry) => entry.value);
}
