import { ConfigDuplicateError, ConfigParseError } from '../errors.js';
import type { ConfigError } from '../errors.js';
import { isClusterScoped } from '../kinds.js';
import type { ConfigResource } from '../parse/config-resource.js';
import { parseConfigFile } from '../parse/parse-config-file.js';
import { collectValidationErrors } from './validate-resource.js';

export interface ConfigFile {
  readonly file: string;
  readonly text: string;
}

export interface LoadedConfig {
  /** Resources that parsed and validated, in file order, without duplicates. */
  resources: ConfigResource[];
  /** Every parse, validation and duplicate error found, in file order. */
  errors: ConfigError[];
}

/**
 * Parses and validates a set of files, gathering every error instead of stopping at the first.
 * A resource with errors is left out; of two resources with the same kind, namespace and name
 * the first is kept and the second reported, naming both places.
 */
export function loadConfig(files: readonly ConfigFile[]): LoadedConfig {
  const resources: ConfigResource[] = [];
  const errors: ConfigError[] = [];
  const seen = new Map<string, ConfigResource>();
  for (const { file, text } of files) {
    let parsed: ConfigResource[];
    try {
      parsed = parseConfigFile(text, file);
    } catch (error) {
      if (error instanceof ConfigParseError) {
        errors.push(error);
        continue;
      }
      throw error;
    }
    for (const resource of parsed) {
      const invalid = collectValidationErrors(resource);
      if (invalid.length > 0) {
        errors.push(...invalid);
        continue;
      }
      const key = identityOf(resource);
      const first = seen.get(key);
      if (first) {
        const position = resource.positionOf('metadata.name') ?? resource.source;
        const firstPosition = first.positionOf('metadata.name') ?? first.source;
        errors.push(
          new ConfigDuplicateError({ file: resource.source.file, ...position }, key, { file: first.source.file, ...firstPosition }),
        );
        continue;
      }
      seen.set(key, resource);
      resources.push(resource);
    }
  }
  return { resources, errors };
}

/** `Kind namespace/name`, with the API group so same-named kinds of different groups do not clash. */
function identityOf(resource: ConfigResource): string {
  const slash = resource.apiVersion.indexOf('/');
  const group = slash === -1 ? '' : resource.apiVersion.slice(0, slash);
  const kind = group === '' ? resource.kind : `${resource.kind}.${group}`;
  const name = isClusterScoped(resource.kind) ? resource.metadata.name : `${resource.metadata.namespace}/${resource.metadata.name}`;
  return `${kind} ${name}`;
}
