import type { FieldReader } from './fields.js';

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
