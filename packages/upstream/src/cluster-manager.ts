import type { Cluster } from './cluster.js';

/**
 * The set of clusters a proxy or client routes to, by name. A cluster that is replaced or removed
 * drains in the background; `close()` waits for those drains as well as the live clusters.
 */
export class ClusterManager implements Iterable<[string, Cluster]> {
  readonly #clusters = new Map<string, Cluster>();
  readonly #draining = new Set<Promise<void>>();
  /** Clusters that take over their name once warm (`setWhenWarm`). */
  readonly #warming = new Map<string, { cluster: Cluster; settle: (tookOver: boolean) => void }>();

  get size(): number {
    return this.#clusters.size;
  }

  /** Adds or replaces the cluster under `name`; a replaced cluster is closed gracefully. */
  set(name: string, cluster: Cluster): void {
    this.#discardWarming(name);
    const previous = this.#clusters.get(name);
    this.#clusters.set(name, cluster);
    if (previous !== undefined && previous !== cluster) this.#retire(previous);
  }

  /**
   * Envoy's warming for a cluster that arrives at runtime (CDS): it takes over `name` once warm
   * (`Cluster.whenWarm`: first DNS answers, first health checks) while the cluster it replaces, if
   * any, goes on serving. `alsoAwait` is what else it waits for (an EDS cluster's first
   * assignment). Resolves true when it took over, false when a newer cluster for the name or a
   * removal discarded it first. A cluster with nothing to wait for takes over at once.
   */
  setWhenWarm(name: string, cluster: Cluster, alsoAwait?: Promise<unknown>): Promise<boolean> {
    if (!cluster.needsWarming && alsoAwait === undefined) {
      this.set(name, cluster);
      return Promise.resolve(true);
    }
    this.#discardWarming(name);
    return new Promise((settle) => {
      this.#warming.set(name, { cluster, settle });
      const takeOver = (): void => {
        if (this.#warming.get(name)?.cluster !== cluster) return;
        this.#warming.delete(name);
        this.set(name, cluster);
        settle(true);
      };
      Promise.all([cluster.whenWarm(), alsoAwait]).then(takeOver, takeOver);
    });
  }

  /** The cluster still warming to take over `name`, if any (endpoint updates go to it too). */
  warming(name: string): Cluster | undefined {
    return this.#warming.get(name)?.cluster;
  }

  get(name: string): Cluster | undefined {
    return this.#clusters.get(name);
  }

  has(name: string): boolean {
    return this.#clusters.has(name);
  }

  /** Removes the cluster and closes it gracefully. False when there was no such cluster. */
  remove(name: string): boolean {
    const wasWarming = this.#discardWarming(name);
    const cluster = this.#clusters.get(name);
    if (cluster === undefined) return wasWarming;
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
    for (const name of [...this.#warming.keys()]) this.#discardWarming(name);
    for (const cluster of this.#clusters.values()) this.#retire(cluster);
    this.#clusters.clear();
    await Promise.all(this.#draining);
  }

  #discardWarming(name: string): boolean {
    const warming = this.#warming.get(name);
    if (warming === undefined) return false;
    this.#warming.delete(name);
    this.#retire(warming.cluster);
    warming.settle(false);
    return true;
  }

  #retire(cluster: Cluster): void {
    const done = cluster.close().finally(() => this.#draining.delete(done));
    this.#draining.add(done);
  }
}
