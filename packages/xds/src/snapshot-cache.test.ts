import { describe, expect, it } from 'vitest';
import { InvalidSnapshotError } from './errors.js';
import { SnapshotCache } from './snapshot-cache.js';
import type { Snapshot } from './snapshot.js';
import { TYPE_URLS } from './type-urls.js';

const good: Snapshot = { version: 'v1', resources: { [TYPE_URLS.cluster]: [{ name: 'a', connect_timeout: '1s' }] } };

describe('SnapshotCache', () => {
  it('stores, encodes once and notifies watchers of that node only', () => {
    const cache = new SnapshotCache();
    const seen: string[] = [];
    const watch = cache.watchNode('n1', (snapshot) => seen.push(snapshot?.version ?? 'cleared'));
    cache.watchNode('n2', () => seen.push('wrong node'));
    cache.setSnapshot('n1', good);
    expect(cache.getSnapshot('n1')).toBe(good);
    expect(cache.preparedSnapshot('n1')?.types.get(TYPE_URLS.cluster)?.map((resource) => resource.name)).toEqual(['a']);
    cache.clearSnapshot('n1');
    expect(cache.getSnapshot('n1')).toBeUndefined();
    watch.dispose();
    cache.setSnapshot('n1', good);
    expect(seen).toEqual(['v1', 'cleared']);
    expect(cache.nodeIds()).toEqual(['n1']);
  });

  it.each([
    [{ [TYPE_URLS.cluster]: [{ name: 'a', connect_timeout: 'soon' }] }, /resource 'a': connect_timeout: expected a duration/],
    [{ [TYPE_URLS.cluster]: [{ name: 'a' }, { name: 'a' }] }, /two resources are named 'a'/],
    [{ [TYPE_URLS.endpoint]: [{ endpoints: [] }] }, /resource \[0\] has no name/],
  ])('rejects a bad snapshot whole and keeps the previous one (%#)', (resources, message) => {
    const cache = new SnapshotCache();
    cache.setSnapshot('n', good);
    expect(() => cache.setSnapshot('n', { version: 'v2', resources })).toThrow(InvalidSnapshotError);
    expect(() => cache.setSnapshot('n', { version: 'v2', resources })).toThrow(message);
    expect(cache.getSnapshot('n')).toBe(good);
  });
});
