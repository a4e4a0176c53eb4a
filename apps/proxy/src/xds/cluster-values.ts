import type { FieldReader } from './fields.js';

/** Envoy's UInt32Value limit, the largest count its cluster fields take. */
export const UINT32_MAX = 0xffff_ffff;

/** A whole number in `min..max` (a protobuf integer wrapper), or undefined when absent. */
export function optionalInteger(reader: FieldReader, field: string, min: number, max = UINT32_MAX): number | undefined {
  const value = reader.optionalNumber(field);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) reader.fail(field, `must be an integer in ${min}..${max}, got ${value}`);
  return value;
}

/** A limit where Envoy reads 0 (or absence) as none, such as `max_requests_per_connection`: undefined then. */
export function requestsPerConnection(reader: FieldReader, field: string): number | undefined {
  const limit = optionalInteger(reader, field, 0);
  return limit === 0 ? undefined : limit;
}

/** A duration that must be given and be above zero (Envoy's `required: true, gt: {}`). */
export function positiveDurationMs(reader: FieldReader, field: string): number {
  const ms = reader.durationMs(field);
  if (ms === undefined) return reader.fail(field, 'is required');
  if (ms <= 0) reader.fail(field, 'must be above 0s');
  return ms;
}

/** An optional duration that must be above zero when given. */
export function optionalPositiveDurationMs(reader: FieldReader, field: string): number | undefined {
  return reader.has(field) ? positiveDurationMs(reader, field) : undefined;
}

/** An Envoy enum field: one of `supported`, or `fallback` when absent; a known but unimplemented value is refused. */
export function enumValue<T extends string>(reader: FieldReader, field: string, supported: readonly T[], fallback: T): T {
  const value = reader.optionalString(field) ?? fallback;
  if (!(supported as readonly string[]).includes(value)) reader.fail(field, `${value} is not supported (${supported.join(', ')} are)`);
  return value as T;
}
