import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MeshkitError, defineError, isMeshkitError } from './errors.js';
import type * as ErrorsModule from './errors.js';

const ConflictError = defineError('MESHKIT_TEST_CONFLICT', 'ConflictError', (field: string) => `conflict at ${field}`);
const OtherError = defineError('MESHKIT_TEST_OTHER', 'OtherError', () => 'other');

describe('defineError', () => {
  it('gives each error a literal code, a formatted message, a name and a cause', () => {
    const cause = new Error('root');
    const err = new ConflictError('spec.http[0]', { cause });
    expect(err.code).toBe('MESHKIT_TEST_CONFLICT');
    expect(ConflictError.code).toBe('MESHKIT_TEST_CONFLICT');
    expect(err.message).toBe('conflict at spec.http[0]');
    expect(err.name).toBe('ConflictError');
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe('ConflictError: conflict at spec.http[0]');
    expect(err.stack).toContain('errors.test.ts');
  });

  it('leaves cause unset when none is given', () => {
    const err = new ConflictError('x');
    expect('cause' in err).toBe(false);
  });

  it('matches instanceof by class, base and Error, and not across classes', () => {
    const err = new ConflictError('x');
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toBeInstanceOf(MeshkitError);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(OtherError);
    expect(new Error('plain')).not.toBeInstanceOf(MeshkitError);
    expect(isMeshkitError(err, 'MESHKIT_TEST_CONFLICT')).toBe(true);
    expect(isMeshkitError(err, 'MESHKIT_TEST_OTHER')).toBe(false);
    expect(isMeshkitError({ code: 'MESHKIT_TEST_CONFLICT' })).toBe(false);
  });
});

describe('duplicate installs', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('recognises errors thrown by another copy of the module', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'meshkit-core-copy-'));
    dirs.push(dir);
    await cp(path.join(import.meta.dirname, 'errors.ts'), path.join(dir, 'errors.ts'));
    const copy = (await import(pathToFileURL(path.join(dir, 'errors.ts')).href)) as typeof ErrorsModule;
    expect(copy.MeshkitError).not.toBe(MeshkitError);

    const FromCopy = copy.defineError('MESHKIT_TEST_CONFLICT', 'ConflictError', (f: string) => f);
    const thrownByCopy = new FromCopy('y');
    expect(thrownByCopy).toBeInstanceOf(ConflictError);
    expect(thrownByCopy).toBeInstanceOf(MeshkitError);
    expect(thrownByCopy).not.toBeInstanceOf(OtherError);
    expect(new ConflictError('z')).toBeInstanceOf(copy.MeshkitError);
  });
});
