import * as grpc from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { DiscoveryRequest, DiscoveryResponse, ErrorDetail } from './discovery-messages.js';
import type { Disposable } from './disposable.js';
import type { EnvoyNode } from './envoy-node.js';
import type { PreparedResource, PreparedSnapshot } from './snapshot.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { isWildcardType } from './type-urls.js';

export interface AdsStreamHooks {
  onStreamOpen?(node: EnvoyNode): void;
  onStreamClose?(node: EnvoyNode): void;
  onAck?(nodeId: string, typeUrl: string, version: string): void;
  onNack?(nodeId: string, typeUrl: string, errorDetail: ErrorDetail, rejectedVersion: string): void;
}

/** What one stream knows about one resource type. */
interface TypeSubscription {
  /** `null` = every resource of the type. */
  names: ReadonlySet<string> | null;
  /** Identifies the resources last sent (names and digests); `undefined` = nothing sent yet. */
  sentContent: string | undefined;
  sentVersion: string;
  sentNonce: string | undefined;
}

function subscribedNames(typeUrl: string, names: readonly string[]): ReadonlySet<string> | null {
  if (names.includes('*')) return null;
  if (names.length === 0 && isWildcardType(typeUrl)) return null;
  return new Set(names);
}

function selectResources(snapshot: PreparedSnapshot, typeUrl: string, names: ReadonlySet<string> | null): readonly PreparedResource[] {
  const all = snapshot.types.get(typeUrl) ?? [];
  return names === null ? all : all.filter((resource) => names.has(resource.name));
}

function contentOf(resources: readonly PreparedResource[]): string {
  return resources.map((resource) => `${resource.name}\u0000${resource.digest}`).join('\u0001');
}

type Call = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

/**
 * One ADS stream (state of the world). Responds to new subscriptions, records ACK/NACK,
 * ignores stale nonces, and pushes a type again only when the resources it would carry
 * differ from what was last sent — so a NACKed version is never resent as is.
 */
export class AdsStream {
  readonly #call: Call;
  readonly #cache: SnapshotCache;
  readonly #hooks: AdsStreamHooks;
  readonly #nextNonce: () => string;
  readonly #subscriptions = new Map<string, TypeSubscription>();
  #node: EnvoyNode | undefined;
  #snapshotWatch: Disposable | undefined;
  #closed = false;

  constructor(call: Call, cache: SnapshotCache, hooks: AdsStreamHooks, nextNonce: () => string) {
    this.#call = call;
    this.#cache = cache;
    this.#hooks = hooks;
    this.#nextNonce = nextNonce;
    // Headers now, so a client sees the stream is up before any snapshot exists.
    call.sendMetadata(new grpc.Metadata());
    call.on('data', (request: DiscoveryRequest) => this.#onRequest(request));
    call.on('end', () => {
      this.#close();
      call.end();
    });
    call.on('error', () => this.#close());
    call.on('cancelled', () => this.#close());
    call.on('close', () => this.#close());
  }

  #onRequest(request: DiscoveryRequest): void {
    if (this.#closed) return;
    try {
      this.#handle(request);
    } catch (error) {
      // A throwing hook or an encoding bug ends this stream; the proxy reconnects.
      this.#fail(grpc.status.INTERNAL, error instanceof Error ? error.message : String(error));
    }
  }

  #handle(request: DiscoveryRequest): void {
    if (this.#node === undefined) {
      if (request.node === undefined || request.node.id === '') {
        this.#fail(grpc.status.INVALID_ARGUMENT, 'the first request of an ADS stream must carry node.id');
        return;
      }
      this.#node = request.node;
      const nodeId = request.node.id;
      this.#snapshotWatch = this.#cache.watchNode(nodeId, () => this.#pushChanged());
      this.#hooks.onStreamOpen?.(request.node);
      if (this.#closed) return;
    }
    if (request.type_url === '') {
      this.#fail(grpc.status.INVALID_ARGUMENT, 'an ADS request must carry type_url');
      return;
    }
    const nodeId = this.#node.id;
    const typeUrl = request.type_url;
    let subscription = this.#subscriptions.get(typeUrl);
    if (subscription?.sentNonce !== undefined && request.response_nonce !== '') {
      // Answers to an older response say nothing about the current one.
      if (request.response_nonce !== subscription.sentNonce) return;
      if (request.error_detail === undefined) this.#hooks.onAck?.(nodeId, typeUrl, subscription.sentVersion);
      else this.#hooks.onNack?.(nodeId, typeUrl, request.error_detail, subscription.sentVersion);
    }
    if (subscription === undefined) {
      subscription = { names: null, sentContent: undefined, sentVersion: '', sentNonce: undefined };
      this.#subscriptions.set(typeUrl, subscription);
    }
    subscription.names = subscribedNames(typeUrl, request.resource_names);
    // An empty nonce (re)starts the subscription: it always gets the current state.
    this.#respond(typeUrl, subscription, request.response_nonce === '');
  }

  #pushChanged(): void {
    if (this.#closed) return;
    try {
      for (const [typeUrl, subscription] of this.#subscriptions) this.#respond(typeUrl, subscription, false);
    } catch (error) {
      this.#fail(grpc.status.INTERNAL, error instanceof Error ? error.message : String(error));
    }
  }

  #respond(typeUrl: string, subscription: TypeSubscription, always: boolean): void {
    const snapshot = this.#node === undefined ? undefined : this.#cache.preparedSnapshot(this.#node.id);
    if (snapshot === undefined) return;
    const resources = selectResources(snapshot, typeUrl, subscription.names);
    const content = contentOf(resources);
    if (!always && content === subscription.sentContent) return;
    const nonce = this.#nextNonce();
    subscription.sentContent = content;
    subscription.sentVersion = snapshot.version;
    subscription.sentNonce = nonce;
    this.#call.write({
      version_info: snapshot.version,
      type_url: typeUrl,
      nonce,
      resources: resources.map((resource) => ({ type_url: typeUrl, value: resource.bytes })),
    });
  }

  #fail(code: grpc.status, details: string): void {
    if (this.#closed) return;
    this.#close();
    this.#call.emit('error', { code, details, metadata: new grpc.Metadata() });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#snapshotWatch?.dispose();
    const node = this.#node;
    if (node !== undefined) this.#hooks.onStreamClose?.(node);
  }
}
