import { ResourceError } from '../errors.js';

export type Json = Record<string, unknown>;

/** Builds the error for a bad field: `ResourceError` for xDS, `BootstrapError` for the bootstrap. */
export type FieldErrorFactory = (resource: string, field: string, reason: string, cause?: unknown) => Error;

const resourceError: FieldErrorFactory = (resource, field, reason, cause) =>
  new ResourceError(resource, field, reason, cause === undefined ? undefined : { cause });

/**
 * Where a resource sits when it is not a top-level xDS resource: a static resource inside a
 * bootstrap file (`static_resources.clusters[0]`), or a route config inline in a listener. Errors
 * then name that file or resource and the full field path from it.
 */
export interface FieldOrigin {
  readonly resource: string;
  readonly path: string;
  readonly makeError: FieldErrorFactory;
}

/** Reads Envoy JSON with a path for error messages; refuses fields the proxy does not implement. */
export class FieldReader {
  constructor(
    readonly resource: string,
    readonly path: string,
    readonly value: Json,
    private readonly makeError: FieldErrorFactory = resourceError,
  ) {}

  /** A reader for one xDS resource, labelled `<kind> <name>`, or placed at `origin` when given. */
  static resource(kind: string, value: unknown, origin?: FieldOrigin): FieldReader {
    if (origin !== undefined) return FieldReader.of(origin.resource, value, origin.path, origin.makeError);
    const name = FieldReader.of(kind, value).string('name');
    return FieldReader.of(`${kind} ${name}`, value);
  }

  static of(resource: string, value: unknown, path = '', makeError = resourceError): FieldReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw makeError(resource, path || '(root)', 'expected an object');
    }
    return new FieldReader(resource, path, value as Json, makeError);
  }

  fail(field: string, reason: string, cause?: unknown): never {
    throw this.makeError(this.resource, this.join(field), reason, cause);
  }

  /** Where this reader sits, for a nested resource read by another translator. */
  originOf(field: string): FieldOrigin {
    return { resource: this.resource, path: this.join(field), makeError: this.makeError };
  }

  /** Throws on any field outside `supported`, so config is never silently ignored. */
  allowOnly(...supported: string[]): this {
    for (const key of Object.keys(this.value)) {
      if (!supported.includes(key)) this.fail(key, 'is not supported by this proxy');
    }
    return this;
  }

  has(field: string): boolean {
    return this.value[field] !== undefined && this.value[field] !== null;
  }

  child(field: string): FieldReader {
    return FieldReader.of(this.resource, this.value[field], this.join(field), this.makeError);
  }

  optionalChild(field: string): FieldReader | undefined {
    return this.has(field) ? this.child(field) : undefined;
  }

  children(field: string): FieldReader[] {
    const list = this.value[field] ?? [];
    if (!Array.isArray(list)) this.fail(field, 'expected a list');
    return list.map((item, i) => FieldReader.of(this.resource, item, `${this.join(field)}[${i}]`, this.makeError));
  }

  string(field: string): string {
    const v = this.value[field];
    if (typeof v !== 'string') this.fail(field, 'expected a string');
    return v;
  }

  optionalString(field: string): string | undefined {
    return this.has(field) ? this.string(field) : undefined;
  }

  strings(field: string): string[] {
    const list = this.value[field] ?? [];
    if (!Array.isArray(list) || !list.every((x): x is string => typeof x === 'string')) return this.fail(field, 'expected a list of strings');
    return list;
  }

  number(field: string): number {
    const v = this.value[field];
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(field, 'expected a number');
    return n;
  }

  optionalNumber(field: string): number | undefined {
    return this.has(field) ? this.number(field) : undefined;
  }

  boolean(field: string, fallback: boolean): boolean {
    const v = this.value[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(field, 'expected a boolean');
    return v;
  }

  /**
   * A `google.protobuf.Duration` in JSON form ("1.5s") as milliseconds. Rounds up, so a positive
   * duration below a millisecond never becomes 0 (which means "no timeout" to the router).
   */
  durationMs(field: string): number | undefined {
    const v = this.value[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(v)) this.fail(field, 'expected a non-negative duration like "1.5s"');
    return Math.ceil(Number(v.slice(0, -1)) * 1000);
  }

  private join(field: string): string {
    if (field === '') return this.path || '(root)';
    return this.path === '' ? field : `${this.path}.${field}`;
  }
}
