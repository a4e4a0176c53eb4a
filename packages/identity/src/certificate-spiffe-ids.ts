import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

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

interface SubjectAltNameEntry {
  readonly type: string;
  readonly value: string;
}

// HOT PATH: runs once per accepted connection; a single left-to-right scan, no regex compile.
function parseSubjectAltNames(text: string): SubjectAltNameEntry[] {
  const entries: SubjectAltNameEntry[] = [];
  let position = 0;
  while (position < text.length) {
    const colon = text.indexOf(':', position);
    if (colon === -1) break;
    const type = text.slice(position, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = closingQuote(text, colon + 2);
      if (end === -1) break;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        break;
      }
      end += 1;
    } else {
      end = text.indexOf(', ', colon + 1);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }
    entries.push({ type, value });
    position = end + 2;
  }
  return entries;
}

function closingQuote(text: string, from: number): number {
  for (let index = from; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') index += 1;
    else if (char === '"') return index;
  }
  return -1;
}
