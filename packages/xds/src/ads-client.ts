import * as grpc from '@grpc/grpc-js';
import { ADS_STREAM_METHOD_PATH } from './ads-service-definition.js';
import { ExponentialBackoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { decodeResource } from './codec.js';
import { decodeDiscoveryResponse, encodeDiscoveryRequest } from './discovery-messages.js';
import type { DiscoveryRequest, DiscoveryResponse, ErrorDetail } from './discovery-messages.js';
import type { Disposable } from './disposable.js';
import type { EnvoyNode } from './envoy-node.js';
import { isWildcardType } from './type-urls.js';
import type { EnvoyResource, TypeUrl } from './type-urls.js';

/** idle → connecting → ready ⇄ reconnecting → closed. */
export type AdsConnectionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closed';

/** Receives every accepted response of a type. Throw to NACK it (the message is sent back). */
export type ResourceHandler = (resources: EnvoyResource[], version: string) => void;

export interface AdsClientOptions {
  /** `host:port` of the control plane. */
  address: string;
  node: EnvoyNode;
  /** Defaults to plaintext. */
  credentials?: grpc.ChannelCredentials;
  backoff?: BackoffOptions;
  channelOptions?: grpc.ChannelOptions;
}

interface Watch {
  names: readonly string[];
  handler: ResourceHandler;
  /** Version of the last response the handler accepted; sent back so a new stream can resume. */
  ackedVersion: string;
  /** Nonce of the last response on the current stream; '' on a fresh stream. */
  nonce: string;
}

type Stream = grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

// INVALID_ARGUMENT, as Envoy reports a rejected config.
const NACK_CODE = 3;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A state-of-the-world ADS client, as a proxy uses it: one stream multiplexing every
 * watched type, ACK after the handler accepts, NACK (keeping the previous version) when it
 * throws, and reconnection with jittered backoff that resumes from the ACKed versions.
 */
export class AdsClient {
  readonly #options: AdsClientOptions;
  readonly #watches = new Map<string, Watch>();
  readonly #stateListeners = new Set<(state: AdsConnectionState) => void>();
  readonly #backoff: ExponentialBackoff;
  #client: grpc.Client | undefined;
  #stream: Stream | undefined;
  #nodeSent = false;
  #state: AdsConnectionState = 'idle';
  #reconnectTimer: NodeJS.Timeout | undefined;

  constructor(options: AdsClientOptions) {
    this.#options = options;
    this.#backoff = new ExponentialBackoff(options.backoff);
  }

  get state(): AdsConnectionState {
    return this.#state;
  }

  /**
   * Subscribes to a type (`names` = [] means every resource for LDS/CDS). Calling it again
   * for the same type replaces the names and handler and sends the new subscription.
   */
  watch(typeUrl: TypeUrl, names: string[], handler: ResourceHandler): void {
    const existing = this.#watches.get(typeUrl);
    const watch: Watch = {
      names: [...names],
      handler,
      ackedVersion: existing?.ackedVersion ?? '',
      nonce: existing?.nonce ?? '',
    };
    this.#watches.set(typeUrl, watch);
    this.#send(typeUrl, watch, watch.ackedVersion);
  }

  /** The version the handler last accepted for a type ('' before the first), or undefined if not watched. */
  ackedVersion(typeUrl: TypeUrl): string | undefined {
    return this.#watches.get(typeUrl)?.ackedVersion;
  }

  /** Stops delivering a type; for RDS/EDS the server is told to stop sending it. */
  unwatch(typeUrl: TypeUrl): void {
    const watch = this.#watches.get(typeUrl);
    if (watch === undefined) return;
    this.#watches.delete(typeUrl);
    if (!isWildcardType(typeUrl)) this.#send(typeUrl, { ...watch, names: [] }, watch.ackedVersion);
  }

  /** Opens the channel and the stream. Watches may be added before or after. */
  start(): void {
    if (this.#state !== 'idle') return;
    const credentials = this.#options.credentials ?? grpc.credentials.createInsecure();
    this.#client = new grpc.Client(this.#options.address, credentials, this.#options.channelOptions ?? {});
    this.#setState('connecting');
    this.#openStream();
  }

  /** Ends the stream and the channel; no reconnection follows. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#setState('closed');
    clearTimeout(this.#reconnectTimer);
    const stream = this.#stream;
    this.#stream = undefined;
    stream?.cancel();
    this.#client?.close();
  }

  onConnectionState(listener: (state: AdsConnectionState) => void): Disposable {
    this.#stateListeners.add(listener);
    return { dispose: () => this.#stateListeners.delete(listener) };
  }

  #openStream(): void {
    const client = this.#client;
    if (client === undefined || this.#state === 'closed') return;
    const stream = client.makeBidiStreamRequest(ADS_STREAM_METHOD_PATH, encodeDiscoveryRequest, decodeDiscoveryResponse);
    this.#stream = stream;
    this.#nodeSent = false;
    stream.on('metadata', () => {
      if (stream === this.#stream) this.#setState('ready');
    });
    stream.on('data', (response: DiscoveryResponse) => this.#onResponse(stream, response));
    // Failures arrive as 'status' too; this listener only keeps 'error' from being unhandled.
    stream.on('error', () => undefined);
    stream.on('status', () => this.#onStreamEnd(stream));
    // A new stream knows no nonces; it resumes each type from its last ACKed version.
    for (const [typeUrl, watch] of this.#watches) {
      watch.nonce = '';
      this.#send(typeUrl, watch, watch.ackedVersion);
    }
  }

  #onStreamEnd(stream: Stream): void {
    if (stream !== this.#stream || this.#state === 'closed') return;
    this.#stream = undefined;
    this.#setState('reconnecting');
    this.#reconnectTimer = setTimeout(() => this.#openStream(), this.#backoff.next());
  }

  #onResponse(stream: Stream, response: DiscoveryResponse): void {
    if (stream !== this.#stream) return;
    this.#backoff.reset();
    this.#setState('ready');
    const typeUrl = response.type_url;
    const watch = this.#watches.get(typeUrl);
    if (watch === undefined) return;
    watch.nonce = response.nonce;
    let rejection: string | undefined;
    try {
      const resources = response.resources.map((any, index) => {
        if (any.type_url !== typeUrl) throw new Error(`resources[${index}] is ${any.type_url}, not ${typeUrl}`);
        return decodeResource(typeUrl, any.value);
      });
      watch.handler(resources, response.version_info);
    } catch (error) {
      rejection = errorMessage(error);
    }
    if (rejection === undefined) {
      watch.ackedVersion = response.version_info;
      this.#send(typeUrl, watch, watch.ackedVersion);
    } else {
      this.#send(typeUrl, watch, watch.ackedVersion, { code: NACK_CODE, message: rejection });
    }
  }

  #send(typeUrl: string, watch: Watch, version: string, errorDetail?: ErrorDetail): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    const request: DiscoveryRequest = {
      version_info: version,
      resource_names: watch.names,
      type_url: typeUrl,
      response_nonce: watch.nonce,
      ...(this.#nodeSent ? {} : { node: this.#options.node }),
      ...(errorDetail === undefined ? {} : { error_detail: errorDetail }),
    };
    this.#nodeSent = true;
    stream.write(request);
  }

  #setState(state: AdsConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of [...this.#stateListeners]) listener(state);
  }
}
