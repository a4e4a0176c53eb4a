import { createHash } from 'node:crypto';
import { isMeshkitError } from '@meshkit/core';
import { encodeResource } from './codec.js';
import { InvalidSnapshotError } from './errors.js';
import { resourceName } from './type-urls.js';
import type { EnvoyResource, TypeUrl } from './type-urls.js';

/** Everything one proxy should have, by type. A type left out is served as "no resources". */
export interface Snapshot {
  version: string;
  resources: Partial<Record<TypeUrl, EnvoyResource[]>>;
}

/** One resource encoded once for every stream that serves it. */
export interface PreparedResource {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Digest of `bytes`: streams compare these to decide whether a type changed. */
  readonly digest: string;
}

export interface PreparedSnapshot {
  readonly version: string;
  readonly snapshot: Snapshot;
  readonly types: ReadonlyMap<string, readonly PreparedResource[]>;
}

function prepareResource(nodeId: string, typeUrl: string, resource: EnvoyResource, index: number): PreparedResource {
  const name = resourceName(typeUrl, resource);
  if (name === '') throw new InvalidSnapshotError(nodeId, typeUrl, `resource [${index}] has no name`);
  let bytes: Uint8Array;
  try {
    bytes = encodeResource(typeUrl, resource);
  } catch (cause) {
    if (!isMeshkitError(cause)) throw cause;
    throw new InvalidSnapshotError(nodeId, typeUrl, `resource '${name}': ${cause.message}`, { cause });
  }
  return { name, bytes, digest: createHash('sha256').update(bytes).digest('base64') };
}

/** Encodes every resource of a snapshot; a bad resource rejects the whole snapshot. */
export function prepareSnapshot(nodeId: string, snapshot: Snapshot): PreparedSnapshot {
  const types = new Map<string, PreparedResource[]>();
  for (const [typeUrl, resources] of Object.entries(snapshot.resources)) {
    if (resources === undefined) continue;
    const prepared = resources.map((resource, index) => prepareResource(nodeId, typeUrl, resource, index));
    const seen = new Set<string>();
    for (const { name } of prepared) {
      if (seen.has(name)) throw new InvalidSnapshotError(nodeId, typeUrl, `two resources are named '${name}'`);
      seen.add(name);
    }
    types.set(typeUrl, prepared);
  }
  return { version: snapshot.version, snapshot, types };
}
