import { Buffer } from 'node:buffer';
import { stringify as stringifyQuery } from 'node:querystring';
import { Readable } from 'node:stream';
import { isFieldValue } from '@meshkit/core/http1';
import { errors } from 'undici';
import type { ParsedUrlQueryInput } from 'node:querystring';
import type { Dispatcher } from 'undici';

/** A request body as a connection writes it. */
export type RequestBody = Buffer | string | Readable | null;

/** Buffer, string, Node stream, or null; typed arrays and iterables are converted (off the hot path). */
export function normalizeBody(body: unknown): RequestBody | Error {
  if (body == null) return null;
  if (typeof body === 'string') return body.length === 0 ? null : body;
  if (Buffer.isBuffer(body)) return body.length === 0 ? null : body;
  if (body instanceof Readable) return body;
  if (ArrayBuffer.isView(body)) return body.byteLength === 0 ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return body.byteLength === 0 ? null : Buffer.from(body);
  if (typeof body === 'object' && (Symbol.asyncIterator in body || Symbol.iterator in body)) {
    return Readable.from(body as AsyncIterable<unknown>, { objectMode: false });
  }
  if (typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe === 'function') return body as Readable;
  return new errors.NotSupportedError('this request body type is not supported by this pool');
}

/** As undici serializes `query`: node:querystring, refused on a path that already has one. */
export function withQuery(path: string, query: Record<string, unknown>): string | Error {
  if (path.includes('?') || path.includes('#')) return new errors.InvalidArgumentError('query params cannot be passed when the path already contains "?" or "#"');
  const text = stringifyQuery(query as ParsedUrlQueryInput);
  return text.length === 0 ? path : `${path}?${text}`;
}

/** Calls `add` for each name and value of undici's three header shapes (record, flat array, pairs); an Error for a malformed list. */
export function eachField(headers: Dispatcher.DispatchOptions['headers'], add: (name: unknown, value: unknown) => void): Error | null {
  if (headers == null) return null;
  if (Array.isArray(headers)) {
    if (headers.length % 2 !== 0) return new errors.InvalidArgumentError('headers array must be even');
    for (let i = 0; i < headers.length; i += 2) add(headers[i], headers[i + 1]);
    return null;
  }
  if (typeof headers !== 'object') return new errors.InvalidArgumentError('headers must be an object or an array');
  if (typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) return new errors.InvalidArgumentError('headers must be in key-value pair format');
      add(pair[0], pair[1]);
    }
    return null;
  }
  const record = headers as Record<string, unknown>;
  for (const name in record) add(name, record[name]);
  return null;
}

export function fieldText(value: unknown): string | null {
  if (typeof value === 'string') return isFieldValue(value) ? value : null;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return null;
}
