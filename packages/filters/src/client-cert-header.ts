import { Buffer } from 'node:buffer';
import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseSubjectAltNames } from '@meshkit/core';
import type { HeaderMap } from './http-filter.js';

/** `forward_client_cert_details`: what happens to `x-forwarded-client-cert` (XFCC). */
export type ForwardClientCertDetails = 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';

/** `set_current_client_cert_details`: what this hop adds about the client certificate (`Hash` always; `By` when it has a URI SAN). */
export interface ClientCertDetails {
  readonly subject?: boolean;
  readonly cert?: boolean;
  readonly dns?: boolean;
  readonly uri?: boolean;
}

const XFCC = 'x-forwarded-client-cert';

/** What the header says of one mTLS connection: read once per connection. */
export interface CertificateFacts {
  readonly localUris: readonly string[];
  readonly hash: string;
  readonly subject: string;
  readonly uris: readonly string[];
  readonly dns: readonly string[];
  readonly pem: string;
}

const factsBySocket = new WeakMap<Socket, CertificateFacts | null>();

/** The values of one kind among a certificate's `subjectaltname` entries. */
function altNames(subjectAltName: string | undefined, kind: 'URI' | 'DNS'): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  return parseSubjectAltNames(subjectAltName)
    .filter((entry) => entry.type === kind)
    .map((entry) => entry.value);
}

/**
 * A subject in OpenSSL's RFC 2253 form, as Envoy prints it, from node's multi-line form. Both
 * escape the same special characters; RFC 2253 lists the attributes the other way round (most
 * specific first, a multi-valued RDN's too), joins a multi-valued RDN with '+' where node writes
 * ' + ', and escapes each byte of a non-ASCII character as \XX.
 */
export function rfc2253Subject(nodeSubject: string): string {
  const rdns = nodeSubject.split('\n').filter(Boolean).reverse();
  const text = rdns.map((rdn) => rdn.split(' + ').reverse().join('+')).join(',');
  return text.replace(/[\u0080-\u{10FFFF}]+/gu, escapeUtf8Bytes);
}

function escapeUtf8Bytes(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

function certificateFacts(socket: Socket): CertificateFacts | null {
  const known = factsBySocket.get(socket);
  if (known !== undefined) return known;
  let facts: CertificateFacts | null = null;
  if ('encrypted' in socket) {
    const tls = socket as TLSSocket;
    const peer = tls.getPeerCertificate();
    if (peer !== null && Buffer.isBuffer(peer.raw)) {
      const x509 = new X509Certificate(peer.raw);
      const local = tls.getCertificate();
      facts = {
        localUris: local !== null && 'subjectaltname' in local ? altNames(local.subjectaltname, 'URI') : [],
        hash: createHash('sha256').update(peer.raw).digest('hex'),
        // node reports no subject at all for an empty one, as SPIFFE workload certificates have.
        subject: rfc2253Subject(x509.subject ?? ''),
        uris: altNames(peer.subjectaltname, 'URI'),
        dns: altNames(peer.subjectaltname, 'DNS'),
        pem: x509.toString(),
      };
    }
  }
  factsBySocket.set(socket, facts);
  return facts;
}

/** One XFCC element for this hop, in Envoy's key order. */
export function clientCertElement(facts: CertificateFacts, details: ClientCertDetails): string {
  const parts = facts.localUris.map((uri) => `By=${uri}`);
  parts.push(`Hash=${facts.hash}`);
  if (details.cert === true) parts.push(`Cert="${encodeURIComponent(facts.pem)}"`);
  // Subject and URI appear even when empty, DNS only when there is one (as in Envoy). The subject
  // is quoted as it is: its RFC 2253 form already escapes any '"' in it.
  if (details.subject === true) parts.push(`Subject="${facts.subject}"`);
  if (details.uri === true) parts.push(...(facts.uris.length > 0 ? facts.uris.map((uri) => `URI=${uri}`) : ['URI=']));
  if (details.dns === true) parts.push(...facts.dns.map((dns) => `DNS=${dns}`));
  return parts.join(';');
}

/**
 * Envoy's XFCC handling for a request that arrived on `socket`: without a client certificate
 * the header is removed (unless ALWAYS_FORWARD_ONLY); with one, SANITIZE removes it,
 * FORWARD_ONLY passes it on, APPEND_FORWARD appends this hop's element, SANITIZE_SET replaces it.
 */
export function applyForwardedClientCert(headers: HeaderMap, socket: Socket, forward: ForwardClientCertDetails, details: ClientCertDetails): void {
  if (forward === 'ALWAYS_FORWARD_ONLY') return;
  const facts = forward === 'SANITIZE' ? null : certificateFacts(socket);
  if (facts === null) {
    if (headers[XFCC] !== undefined) delete headers[XFCC];
    return;
  }
  if (forward === 'FORWARD_ONLY') return;
  const element = clientCertElement(facts, details);
  const incoming = headers[XFCC];
  const previous = Array.isArray(incoming) ? incoming.join(',') : incoming;
  headers[XFCC] = forward === 'APPEND_FORWARD' && previous !== undefined && previous !== '' ? `${previous},${element}` : element;
}
