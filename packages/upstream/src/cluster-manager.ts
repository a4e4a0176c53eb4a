import type { Cluster } from './cluster.js';

/**
 * The set of clusters a proxy or client routes to, by name. A cluster that is replaced or removed
 * drains in the background; `close()` waits for those drains as well as the live clusters.
 */
export class ClusterManager implements Iterable<[string, Cluster]> {
  readonly #clusters = new Map<string, Cluster>();
  readonly #draining = new Set<Promise<void>>();

  get size(): number {
    return this.#clusters.size;
  }

  /** Adds or replaces the cluster under `name`; a replaced cluster is closed gracefully. */
  set(name: string, cluster: Cluster): void {
    const previous = this.#clusters.get(name);
    this.#clusters.set(name, cluster);
    if (previous !== undefined && previous !== cluster) this.#retire(previous);
  }

  get(name: string): Cluster | undefined {
    return this.#clusters.get(name);
  }

  has(name: string): boolean {
    return this.#clusters.has(name);
  }

  /** Removes the cluster and closes it gracefully. False when there was no such cluster. */
  remove(name: string): boolean {
    const cluster = this.#clusters.get(name);
    if (cluster === undefined) return false;
    this.#clusters.delete(name);
    this.#retire(cluster);
    return true;
  }

  /** Current clusters in insertion order, for the admin `/clusters` page. */
  [Symbol.iterator](): IterableIterator<[string, Cluster]> {
    return this.#clusters.entries();
  }

  names(): IterableIterator<string> {
    return this.#clusters.keys();
  }

  /** Closes every cluster gracefully and waits for them and for earlier removals to drain. */
  async close(): Promise<void> {
    for (const cluster of this.#clusters.values()) this.#retire(cluster);
    this.#clusters.clear();
    await Promise.all(this.#draining);
  }

  #retire(cluster: Cluster): void {
    const done = cluster.close().finally(() => this.#draining.delete(done));
    this.#draining.add(done);
  }
}
