import { describe, expect, it } from 'vitest';
import { clientCertElement } from '../src/client-cert-header.js';

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
