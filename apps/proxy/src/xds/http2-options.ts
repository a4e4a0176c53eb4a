import type { FieldReader } from './fields.js';

/** Envoy's bounds on HTTP/2 flow-control windows (`initial_stream_window_size`, `initial_connection_window_size`). */
const MIN_WINDOW = 65_535;
const MAX_WINDOW = 2_147_483_647;

/** `http2_protocol_options.connection_keepalive` (downstream and upstream alike): both durations required and positive. */
export function readConnectionKeepalive(http2: FieldReader): { intervalMs: number; timeoutMs: number } | undefined {
  const keepalive = http2.optionalChild('connection_keepalive');
  if (keepalive === undefined) return undefined;
  keepalive.allowOnly('interval', 'timeout');
  const intervalMs = keepalive.durationMs('interval');
  const timeoutMs = keepalive.durationMs('timeout');
  if (intervalMs === undefined || intervalMs <= 0) return keepalive.fail('interval', 'a positive interval is required');
  if (timeoutMs === undefined || timeoutMs <= 0) return keepalive.fail('timeout', 'a positive timeout is required');
  return { intervalMs, timeoutMs };
}

/**
 * `initial_stream_window_size` and `initial_connection_window_size`, each undefined when not given
 * (node's 65535 then stands, not Envoy's 256 MiB: a paused stream may buffer up to its window).
 */
export function readFlowControlWindows(http2: FieldReader): { stream?: number; connection?: number } {
  const windows: { stream?: number; connection?: number } = {};
  for (const [field, key] of [
    ['initial_stream_window_size', 'stream'],
    ['initial_connection_window_size', 'connection'],
  ] as const) {
    const size = http2.optionalNumber(field);
    if (size === undefined) continue;
    if (!Number.isInteger(size) || size < MIN_WINDOW || size > MAX_WINDOW) http2.fail(field, `must be an integer in ${MIN_WINDOW}..${MAX_WINDOW}`);
    windows[key] = size;
  }
  return windows;
}
