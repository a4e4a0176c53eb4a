import type { FieldReader } from './fields.js';

/** Envoy's default `initial_fetch_timeout`. */
export const DEFAULT_INITIAL_FETCH_TIMEOUT_MS = 15_000;

/**
 * A `ConfigSource`, which must be ADS (`refusal` says why otherwise). Returns its
 * `initial_fetch_timeout` in milliseconds: how long what depends on it waits for the first
 * answer (0: for good).
 */
export function readAdsConfigSource(source: FieldReader, refusal: string): number {
  source.allowOnly('ads', 'resource_api_version', 'initial_fetch_timeout');
  if (!source.has('ads')) source.fail('ads', refusal);
  return source.durationMs('initial_fetch_timeout') ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
}
