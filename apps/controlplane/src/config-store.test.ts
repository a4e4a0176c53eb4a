import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REVIEWS_RULE, SERVICES, reviewsRoute } from '../test/fixtures.js';
import { ConfigStore } from './config-store.js';
import { ConfigSourceError } from './errors.js';

function names(store: ConfigStore): string[] {
  return store
    .resources()
    .map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`)
    .sort();
}

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('ConfigStore', () => {
  let dir: string;
  let store: ConfigStore;
  const logs: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshkit-config-store-'));
    logs.length = 0;
    store = new ConfigStore(dir, (message) => logs.push(message));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads .yaml and .yml files from the directory and its subdirectories, and nothing else', async () => {
    mkdirSync(path.join(dir, 'networking', 'deep'), { recursive: true });
    writeFileSync(path.join(dir, 'services.yaml'), SERVICES);
    writeFileSync(path.join(dir, 'networking', 'rule.yml'), REVIEWS_RULE);
    writeFileSync(path.join(dir, 'networking', 'deep', 'route.YAML'), reviewsRoute('v1'));
    writeFileSync(path.join(dir, 'notes.txt'), 'kind: NotYaml\n');
    expect(await store.load()).toEqual([]);
    expect(names(store)).toEqual(['DestinationRule/shop/reviews', 'Service/shop/reviews', 'Service/shop/web', 'VirtualService/shop/reviews']);
  });

  it('rejects a whole load when one file is invalid, naming file, line, column and field, and keeps the last good config', async () => {
    writeFileSync(path.join(dir, 'services.yaml'), SERVICES);
    writeFileSync(path.join(dir, 'rule.yaml'), REVIEWS_RULE);
    expect(await store.load()).toEqual([]);
    const bad = path.join(dir, 'route.yaml');
    writeFileSync(bad, reviewsRoute('v1').replace('subset: v1}}]', 'subset: v1}, weight: lots}]'));
    const errors = await store.load();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:\\d+: .*spec\\.http\\[0\\]\\.route\\[0\\]\\.weight`));
    // Nothing of the bad load is in force, and the good files of the same load did not replace the old.
    expect(names(store)).toEqual(['DestinationRule/shop/reviews', 'Service/shop/reviews', 'Service/shop/web']);
  });

  it('throws ConfigSourceError when the directory cannot be read', async () => {
    const missing = new ConfigStore(path.join(dir, 'missing'), () => undefined);
    await expect(missing.load()).rejects.toBeInstanceOf(ConfigSourceError);
  });

  it('reloads when a file changes, and keeps the last good config when the change is bad', async () => {
    writeFileSync(path.join(dir, 'services.yaml'), SERVICES);
    await store.load();
    let reloads = 0;
    store.watch(() => reloads++);
    writeFileSync(path.join(dir, 'rule.yaml'), REVIEWS_RULE);
    await eventually(() => reloads === 1 && names(store).includes('DestinationRule/shop/reviews'), 5000, 'a reload with the new rule');

    writeFileSync(path.join(dir, 'rule.yaml'), 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: shop}\nspec: {}\n');
    await eventually(() => logs.some((l) => l.startsWith('config rejected, keeping the last good config:')), 5000, 'the rejection to be logged');
    expect(reloads).toBe(1);
    expect(logs.find((l) => l.startsWith('config rejected'))).toContain('rule.yaml:');
    expect(names(store)).toContain('DestinationRule/shop/reviews');
  });

  it('overlays applied resources on the directory by kind, namespace and name', async () => {
    writeFileSync(path.join(dir, 'all.yaml'), `${SERVICES}---\n${reviewsRoute('v1')}`);
    await store.load();
    const result = store.apply(`${reviewsRoute('v2')}---\n${reviewsRoute('v2').replace('namespace: shop', 'namespace: other')}`, 'cli.yaml');
    expect(result.ok).toBe(true);
    expect(names(store)).toEqual(['Service/shop/reviews', 'Service/shop/web', 'VirtualService/other/reviews', 'VirtualService/shop/reviews']);
    const applied = store.resources().find((r) => r.kind === 'VirtualService' && r.metadata.namespace === 'shop');
    expect(applied?.source.file).toBe('cli.yaml');

    // An applied resource still wins after the directory reloads.
    await store.load();
    expect(store.resources().find((r) => r.kind === 'VirtualService' && r.metadata.namespace === 'shop')?.source.file).toBe('cli.yaml');

    const refused = store.apply('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x, namespace: shop}\nspec:\n  hosts: 7\n', 'bad.yaml');
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^bad\.yaml:5:\d+: .*spec\.hosts/)]);
    expect(names(store)).not.toContain('VirtualService/shop/x');
  });
});
