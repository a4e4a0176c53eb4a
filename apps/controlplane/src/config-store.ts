import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '@meshkit/config';
import type { ConfigError, ConfigResource } from '@meshkit/config';
import { ConfigSourceError } from './errors.js';

const YAML_FILE = /\.ya?ml$/i;
const RELOAD_DEBOUNCE_MS = 100;

export type ApplyResult = { readonly ok: true; readonly applied: readonly ConfigResource[] } | { readonly ok: false; readonly errors: readonly ConfigError[] };

function identityOf(resource: ConfigResource): string {
  return `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}`;
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && YAML_FILE.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * The mesh's config: a directory of YAML (watched) plus resources applied through the API, which
 * replace directory resources of the same kind, namespace and name. A load or apply with any
 * error is rejected whole and the last good config stays.
 */
export class ConfigStore {
  private fromDirectory: ConfigResource[] = [];
  private readonly applied = new Map<string, ConfigResource>();
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly dir: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Every resource in force: the directory's, overridden by applied ones. */
  resources(): ConfigResource[] {
    const byIdentity = new Map<string, ConfigResource>();
    for (const r of this.fromDirectory) byIdentity.set(identityOf(r), r);
    for (const [key, r] of this.applied) byIdentity.set(key, r);
    return [...byIdentity.values()];
  }

  /** Reads the whole directory; returns its errors (and keeps the previous config) if it has any. */
  async load(): Promise<readonly ConfigError[]> {
    let files: string[];
    try {
      files = await yamlFilesUnder(this.dir);
    } catch (error) {
      throw new ConfigSourceError(this.dir, (error as Error).message, { cause: error });
    }
    const texts = await Promise.all(files.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
    const { resources, errors } = loadConfig(texts);
    if (errors.length > 0) return errors;
    this.fromDirectory = resources;
    return [];
  }

  /** Validates and applies YAML sent by a user (`meshctl apply -f`). */
  apply(text: string, source: string): ApplyResult {
    const { resources, errors } = loadConfig([{ file: source, text }]);
    if (errors.length > 0) return { ok: false, errors };
    for (const resource of resources) this.applied.set(identityOf(resource), resource);
    return { ok: true, applied: resources };
  }

  /** Calls `onChange` after each successful reload of the directory. */
  watch(onChange: () => void): void {
    this.watcher = watch(this.dir, { recursive: true }, () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(onChange), RELOAD_DEBOUNCE_MS);
    });
    // Without a listener, a watcher error (the directory removed) would crash the control plane.
    this.watcher.on('error', (error) => this.log(`config directory watch failed: ${error.message}`));
  }

  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
  }

  private async reload(onChange: () => void): Promise<void> {
    try {
      const errors = await this.load();
      if (errors.length === 0) {
        onChange();
        return;
      }
      for (const error of errors) this.log(`config rejected, keeping the last good config: ${error.message}`);
    } catch (error) {
      this.log(`config reload failed: ${(error as Error).message}`);
    }
  }
}
