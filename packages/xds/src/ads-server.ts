import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition } from './ads-service-definition.js';
import { AdsStream } from './ads-stream.js';
import type { AdsStreamHooks } from './ads-stream.js';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-messages.js';
import type { SnapshotCache } from './snapshot-cache.js';

export interface AdsServerOptions extends AdsStreamHooks {
  cache: SnapshotCache;
}

/**
 * Serves Envoy's Aggregated Discovery Service (state of the world) from a SnapshotCache.
 * Add it to any grpc-js server; the caller binds, starts and shuts the server down.
 */
export class AdsServer {
  readonly #options: AdsServerOptions;
  // Nonces only need to be unique per response; the random prefix keeps them distinct
  // across restarts so a client can never confuse an old answer with a new one.
  readonly #noncePrefix = randomBytes(4).toString('hex');
  #nonceCounter = 0;

  constructor(options: AdsServerOptions) {
    this.#options = options;
  }

  /** Registers `envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources`. */
  addTo(server: grpc.Server): void {
    server.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        new AdsStream(call, this.#options.cache, this.#options, () => this.#nextNonce());
      },
    });
  }

  #nextNonce(): string {
    this.#nonceCounter += 1;
    return `${this.#noncePrefix}-${this.#nonceCounter}`;
  }
}
