import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const packageRoot = path.join(import.meta.dirname, '..');
// Inside the package so the examples' bare imports (@grpc/grpc-js) resolve as they would for a user.
const scratch = path.join(packageRoot, '.vitest', 'readme-examples');

async function readmeExamples(): Promise<string[]> {
  const readme = await readFile(path.join(packageRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('README examples', () => {
  it('has the two examples this test runs', async () => {
    expect(await readmeExamples()).toHaveLength(2);
  });

  it.each([0, 1])('example %i runs and prints what its comments promise', async (index) => {
    const source = (await readmeExamples())[index] ?? '';
    const indexUrl = pathToFileURL(path.join(packageRoot, 'src', 'index.ts')).href;
    await mkdir(scratch, { recursive: true });
    const file = path.join(scratch, `example-${index}-${Date.now()}.mjs`);
    await writeFile(file, source.replaceAll("'@meshkit/identity'", JSON.stringify(indexUrl)));
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    await import(pathToFileURL(file).href);
    expect(printed).toHaveLength(1);
    if (index === 0) {
      expect(printed[0]).toEqual(['hello spiffe://cluster.local/ns/default/sa/productpage']);
    } else {
      const [spiffeId, notAfter, rotate] = printed[0] ?? [];
      expect(spiffeId).toBe('spiffe://cluster.local/ns/default/sa/ratings');
      expect(Math.abs((notAfter as Date).getTime() - Date.now() - 3_600_000)).toBeLessThan(10_000);
      expect(rotate).toBe(false);
    }
  });
});
