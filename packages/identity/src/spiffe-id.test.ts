import { describe, expect, it } from 'vitest';
import { InvalidSpiffeIdError } from './errors.js';
import { matchesSpiffe, parseSpiffeId, spiffeIdFor, trustDomainOf } from './spiffe-id.js';

describe('spiffeIdFor', () => {
  it('builds the Istio workload ID with cluster.local by default', () => {
    expect(spiffeIdFor({ namespace: 'default', serviceAccount: 'bookinfo-reviews' })).toBe(
      'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
    );
    expect(spiffeIdFor({ trustDomain: 'prod.example', namespace: 'shop', serviceAccount: 'cart' })).toBe(
      'spiffe://prod.example/ns/shop/sa/cart',
    );
  });

  it('refuses parts that would change the shape of the URI', () => {
    expect(() => spiffeIdFor({ namespace: 'a/sa/b', serviceAccount: 'c' })).toThrow(InvalidSpiffeIdError);
    expect(() => spiffeIdFor({ namespace: '', serviceAccount: 'c' })).toThrow(InvalidSpiffeIdError);
    expect(() => spiffeIdFor({ namespace: 'ns', serviceAccount: '..' })).toThrow(InvalidSpiffeIdError);
    expect(() => spiffeIdFor({ trustDomain: 'Upper.Case', namespace: 'ns', serviceAccount: 'sa' })).toThrow(
      /trust domain/,
    );
  });
});

describe('parseSpiffeId', () => {
  it('round-trips what spiffeIdFor builds', () => {
    const id = spiffeIdFor({ trustDomain: 'mesh.local', namespace: 'ns-1', serviceAccount: 'sa.v2' });
    expect(parseSpiffeId(id)).toEqual({ trustDomain: 'mesh.local', namespace: 'ns-1', serviceAccount: 'sa.v2' });
  });

  it('returns null for anything that is not a workload ID', () => {
    for (const uri of [
      'spiffe://cluster.local',
      'spiffe://cluster.local/ns/a',
      'spiffe://cluster.local/ns/a/sa/b/extra',
      'spiffe://cluster.local/ns/a/sa/',
      'https://cluster.local/ns/a/sa/b',
      'spiffe://CLUSTER.local/ns/a/sa/b',
      'spiffe://cluster.local/ns/a b/sa/b',
      'spiffe://cluster.local/ns/../sa/b',
    ]) {
      expect(parseSpiffeId(uri), uri).toBeNull();
    }
  });

  it('reads the trust domain of any spiffe URI', () => {
    expect(trustDomainOf('spiffe://cluster.local')).toBe('cluster.local');
    expect(trustDomainOf('spiffe://td/ns/a/sa/b')).toBe('td');
    expect(trustDomainOf('http://td/ns/a/sa/b')).toBeNull();
  });
});

describe('matchesSpiffe', () => {
  const reviews = 'spiffe://cluster.local/ns/default/sa/reviews';

  it('matches an exact list', () => {
    expect(matchesSpiffe(reviews, [reviews])).toBe(true);
    expect(matchesSpiffe(reviews, ['spiffe://cluster.local/ns/default/sa/ratings'])).toBe(false);
    expect(matchesSpiffe(reviews, [])).toBe(false);
  });

  it('matches a prefix', () => {
    expect(matchesSpiffe(reviews, { prefix: 'spiffe://cluster.local/' })).toBe(true);
    expect(matchesSpiffe(reviews, { prefix: 'spiffe://cluster.local/ns/other/' })).toBe(false);
  });
});
