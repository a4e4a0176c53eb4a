import { ResourceError } from '../errors.js';

export type Json = Record<string, unknown>;

/** Builds the error for a bad field: `ResourceError` for xDS, `BootstrapError` for the bootstrap. */
export type FieldErrorFactory = (resource: string, field: string, reason: string) => Error;

const resourceError: FieldErrorFactory = (resource, field, reason) => new ResourceError(resource, field, reason);

/** Reads Envoy JSON with a path for error messages; refuses fields the proxy does not implement. */
export class FieldReader {
  constructor(
    readonly resource: string,
    readonly path: string,
    readonly value: Json,
    private readonly makeError: FieldErrorFactory = resourceError,
  ) {}

  static of(resource: string, value: unknown, path = '', makeError = resourceError): FieldReader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw makeError(resource, path || '(root)', 'expected an object');
    }
    return new FieldReader(resource, path, value as Json, makeError);
  }

  fail(field: string, reason: string): never {
    throw this.makeError(this.resource, this.join(field), reason);
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

  /** A `google.protobuf.Duration` in JSON form ("1.5s") as milliseconds. */
  durationMs(field: string): number | undefined {
    const v = this.value[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !/^-?\d+(\.\d+)?s$/.test(v)) this.fail(field, 'expected a duration like "1.5s"');
    return Math.round(Number(v.slice(0, -1)) * 1000);
  }

  private join(field: string): string {
    return this.path === '' ? field : `${this.path}.${field}`;
  }
}
