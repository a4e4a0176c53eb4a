import { DuplicateNetworkFilterError, UnknownNetworkFilterError } from './network-errors.js';
import type { CompiledNetworkFilter, NetworkFilterFactory, NetworkFilterFactoryContext } from './network-filter.js';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const TYPED_STRUCT_TYPES = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);

/** An Envoy listener `Filter` entry: `{ name, typed_config: { "@type": ..., ... } }`. */
export interface NetworkFilterConfig {
  readonly name: string;
  readonly typed_config?: Readonly<Record<string, unknown>>;
}

const stripTypeUrl = (typeUrl: string): string => (typeUrl.startsWith(TYPE_URL_PREFIX) ? typeUrl.slice(TYPE_URL_PREFIX.length) : typeUrl);

/** Network filter factories by config type; a custom network filter is one `register` call. */
export class NetworkFilterRegistry {
  private readonly factories = new Map<string, NetworkFilterFactory>();

  register(factory: NetworkFilterFactory): this {
    if (this.factories.has(factory.typeName)) throw new DuplicateNetworkFilterError(factory.typeName);
    this.factories.set(factory.typeName, factory);
    return this;
  }

  has(typeName: string): boolean {
    return this.factories.has(typeName);
  }

  /** The config type of an entry, with a TypedStruct unwrapped to its inner `type_url`. */
  static typeOf(entry: NetworkFilterConfig): string {
    const typed = entry.typed_config ?? {};
    const outer = stripTypeUrl(typeof typed['@type'] === 'string' ? typed['@type'] : '');
    if (!TYPED_STRUCT_TYPES.has(outer)) return outer;
    return stripTypeUrl(typeof typed['type_url'] === 'string' ? typed['type_url'] : '');
  }

  /** Compiles one filter entry; `field` places it in the listener for error messages. */
  compile(entry: NetworkFilterConfig, context: NetworkFilterFactoryContext, field: string): CompiledNetworkFilter {
    const typed = entry.typed_config ?? {};
    const typeName = NetworkFilterRegistry.typeOf(entry);
    const isStruct = TYPED_STRUCT_TYPES.has(stripTypeUrl(typeof typed['@type'] === 'string' ? typed['@type'] : ''));
    const config = isStruct ? ((typed['value'] as Record<string, unknown> | undefined) ?? {}) : typed;
    const factory = this.factories.get(typeName);
    if (factory === undefined) throw new UnknownNetworkFilterError(`${field}.typed_config`, typeName);
    return factory.compile(config, context);
  }
}
