import { DuplicateFilterError, UnknownFilterError } from './errors.js';
import type { CompiledHttpFilter, FilterFactoryContext, HttpFilterFactory } from './http-filter.js';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const TYPED_STRUCT_TYPES = new Set(['xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct']);

/** An Envoy `HttpFilter` entry: `{ name, typed_config: { "@type": ..., ... } }`. */
export interface HttpFilterConfig {
  readonly name: string;
  readonly typed_config?: Readonly<Record<string, unknown>>;
}

function stripTypeUrl(typeUrl: string): string {
  return typeUrl.startsWith(TYPE_URL_PREFIX) ? typeUrl.slice(TYPE_URL_PREFIX.length) : typeUrl;
}

function stringField(config: Readonly<Record<string, unknown>>, field: string): string {
  const value = config[field];
  return typeof value === 'string' ? value : '';
}

/** Filter factories by config type; a custom filter is one `register` call. */
export class HttpFilterRegistry {
  private readonly factories = new Map<string, HttpFilterFactory>();

  register(factory: HttpFilterFactory): this {
    if (this.factories.has(factory.typeName)) throw new DuplicateFilterError(factory.typeName);
    this.factories.set(factory.typeName, factory);
    return this;
  }

  has(typeName: string): boolean {
    return this.factories.has(typeName);
  }

  /**
   * Compiles one filter entry. A TypedStruct is unwrapped to its inner `type_url` and `value`,
   * which is how filters without a proto of their own are configured.
   */
  compile(entry: HttpFilterConfig, context: FilterFactoryContext, field: string): CompiledHttpFilter {
    const typed = entry.typed_config ?? {};
    let typeName = stripTypeUrl(stringField(typed, '@type'));
    let config: Readonly<Record<string, unknown>> = typed;
    if (TYPED_STRUCT_TYPES.has(typeName)) {
      typeName = stripTypeUrl(stringField(typed, 'type_url'));
      config = (typed['value'] as Record<string, unknown> | undefined) ?? {};
    }
    const factory = this.factories.get(typeName);
    if (factory === undefined) throw new UnknownFilterError(`${field}.typed_config`, typeName);
    return factory.compile(config, context);
  }
}
