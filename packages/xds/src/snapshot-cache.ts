import type { Disposable } from './disposable.js';
import { prepareSnapshot } from './snapshot.js';
import type { PreparedSnapshot, Snapshot } from './snapshot.js';

export type SnapshotListener = (snapshot: PreparedSnapshot | undefined) => void;

/**
 * The configuration each proxy should have, keyed by node id. Setting a snapshot encodes
 * it once and tells every open stream of that node, which pushes the types that changed.
 */
export class SnapshotCache {
  readonly #snapshots = new Map<string, PreparedSnapshot>();
  readonly #listeners = new Map<string, Set<SnapshotListener>>();

  /**
   * Replaces the node's snapshot. Throws InvalidSnapshotError (naming the resource and field)
   * if a resource does not encode, has no name or shares its name; the old snapshot then stays.
   * Do not mutate the snapshot afterwards: streams serve the bytes encoded here.
   */
  setSnapshot(nodeId: string, snapshot: Snapshot): void {
    const prepared = prepareSnapshot(nodeId, snapshot);
    this.#snapshots.set(nodeId, prepared);
    this.#notify(nodeId, prepared);
  }

  getSnapshot(nodeId: string): Snapshot | undefined {
    return this.#snapshots.get(nodeId)?.snapshot;
  }

  /** Forgets the node's snapshot. Open streams keep what they have and get nothing new. */
  clearSnapshot(nodeId: string): void {
    if (this.#snapshots.delete(nodeId)) this.#notify(nodeId, undefined);
  }

  /** Node ids that have a snapshot. */
  nodeIds(): string[] {
    return [...this.#snapshots.keys()];
  }

  /** The encoded snapshot the ADS server serves from. */
  preparedSnapshot(nodeId: string): PreparedSnapshot | undefined {
    return this.#snapshots.get(nodeId);
  }

  /** Calls `listener` after every change to the node's snapshot. */
  watchNode(nodeId: string, listener: SnapshotListener): Disposable {
    let listeners = this.#listeners.get(nodeId);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(nodeId, listeners);
    }
    listeners.add(listener);
    return {
      dispose: () => {
        const current = this.#listeners.get(nodeId);
        current?.delete(listener);
        if (current?.size === 0) this.#listeners.delete(nodeId);
      },
    };
  }

  #notify(nodeId: string, snapshot: PreparedSnapshot | undefined): void {
    const listeners = this.#listeners.get(nodeId);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) listener(snapshot);
  }
}
