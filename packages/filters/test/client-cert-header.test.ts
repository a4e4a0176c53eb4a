import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientCertElement, rfc2253Subject } from '../src/client-cert-header.js';

describe('clientCertElement (one hop of x-forwarded-client-cert)', () => {
  const facts = {
    localUris: ['spiffe://cluster.local/ns/shop/sa/reviews'],
    hash: 'ab12',
    subject: 'CN=web,O=shop',
    uris: ['spiffe://cluster.local/ns/shop/sa/web'],
    dns: ['web.shop', 'web'],
    pem: '-----BEGIN CERTIFICATE-----\nAB+/=\n-----END CERTIFICATE-----\n',
  };

  it('always names this proxy (By, from its own URI SAN) and the client certificate’s hash, then what is asked for, in Envoy’s order', () => {
    expect(clientCertElement(facts, {})).toBe('By=spiffe://cluster.local/ns/shop/sa/reviews;Hash=ab12');
    expect(clientCertElement(facts, { subject: true, uri: true, dns: true })).toBe(
      'By=spiffe://cluster.local/ns/shop/sa/reviews;Hash=ab12;Subject="CN=web,O=shop";URI=spiffe://cluster.local/ns/shop/sa/web;DNS=web.shop;DNS=web',
    );
    expect(clientCertElement(facts, { cert: true })).toContain('Cert="-----BEGIN%20CERTIFICATE-----%0AAB%2B%2F%3D%0A');
  });

  it('keeps Subject and URI keys even when empty, leaves DNS and By out then', () => {
    const bare = { ...facts, localUris: [], subject: '', uris: [], dns: [] };
    expect(clientCertElement(bare, { subject: true, uri: true, dns: true })).toBe('Hash=ab12;Subject="";URI=');
  });
});

describe('rfc2253Subject (the Subject Envoy writes)', () => {
  /** A self-signed certificate's subject as node and `openssl -nameopt RFC2253` print it. */
  function subjectForms(subject: string): { node: string; openssl: string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshkit-subject-'));
    try {
      const pem = path.join(dir, 'cert.pem');
      const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', pem];
      execFileSync('openssl', [...args, '-days', '1', '-utf8', '-multivalue-rdn', '-subj', subject], { stdio: 'pipe' });
      const printed = execFileSync('openssl', ['x509', '-in', pem, '-noout', '-subject', '-nameopt', 'RFC2253'], { encoding: 'utf8' });
      return { node: new X509Certificate(readFileSync(pem)).subject, openssl: printed.replace(/^subject=/, '').trim() };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.each([
    ['/CN=web/O=shop/C=US'],
    ['/CN=a,b/OU=#hash/L= lead'],
    ['/CN=x y+UID=42/O=Acme; "Q" <a> \\z/C=US'],
    ['/CN=Zoë Ñ/O=a=b'],
  ])('prints %s as openssl -nameopt RFC2253 does', (subject) => {
    const forms = subjectForms(subject);
    expect(rfc2253Subject(forms.node)).toBe(forms.openssl);
  });

  it('is empty for a certificate without a subject', () => {
    expect(rfc2253Subject('')).toBe('');
  });
});
