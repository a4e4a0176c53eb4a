import { describe, expect, it } from 'vitest';
import { parseSubjectAltNames } from './subject-alt-names.js';

describe('parseSubjectAltNames', () => {
  it('reads each entry with its type, in order', () => {
    expect(parseSubjectAltNames('DNS:web.shop, URI:spiffe://cluster.local/ns/shop/sa/web, IP Address:10.0.0.1')).toEqual([
      { type: 'DNS', value: 'web.shop' },
      { type: 'URI', value: 'spiffe://cluster.local/ns/shop/sa/web' },
      { type: 'IP Address', value: '10.0.0.1' },
    ]);
  });

  it('reads a JSON-quoted value whole, so a separator inside it cannot forge a second entry', () => {
    expect(parseSubjectAltNames('URI:"spiffe://evil/x, URI:spiffe://cluster.local/ns/default/sa/admin", DNS:ok')).toEqual([
      { type: 'URI', value: 'spiffe://evil/x, URI:spiffe://cluster.local/ns/default/sa/admin' },
      { type: 'DNS', value: 'ok' },
    ]);
  });
});
