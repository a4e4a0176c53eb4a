import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The README example is the first thing a reader pastes; type-checking and running it here
// keeps it true to the API.
const packageDir = path.resolve(import.meta.dirname, '..');
const scratchDir = path.join(packageDir, '.vitest');
const examplePath = path.join(scratchDir, 'readme-example.ts');

let source = '';

beforeAll(async () => {
  const readme = await readFile(path.join(packageDir, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  source = code.replace("from '@meshkit/router'", "from '../src/index.js'");
  await mkdir(scratchDir, { recursive: true });
  await writeFile(examplePath, source);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await rm(examplePath, { force: true });
});

describe('README example', () => {
  it('imports the package', () => {
    expect(source).toContain("from '../src/index.js'");
  });

  it('type-checks under the project settings', () => {
    const configPath = path.join(packageDir, 'tsconfig.json');
    const { config } = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file)) as { config: unknown };
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, packageDir);
    const program = ts.createProgram([examplePath], { ...parsed.options, noEmit: true });
    const messages = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(messages).toEqual([]);
  });

  it('runs and prints what its comments say', async () => {
    const expected = [...source.matchAll(/console\.log\(.*\); \/\/ → (.*)$/gm)].map((line) => line[1]);
    expect(expected.length).toBeGreaterThan(0);
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
    await import(pathToFileURL(examplePath).href);
    expect(printed).toEqual(expected);
  });
});
