import { InvalidValueError } from './errors.js';
import { displayPath } from './field-path.js';
import { int64ToJson } from './json-scalars.js';

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;
const MAX_DURATION_SECONDS = 315_576_000_000;

interface SecondsAndNanos {
  seconds?: string;
  nanos?: number;
}

// Zero parts are left out, as a proto3 encoder would leave them off the wire.
function secondsAndNanos(seconds: number, nanos: number): SecondsAndNanos {
  return { ...(seconds === 0 ? {} : { seconds: String(seconds) }), ...(nanos === 0 ? {} : { nanos }) };
}

/** `"1.5s"` → `{ seconds: '1', nanos: 500000000 }`; anything else is an error at `path`. */
export function durationFromJson(value: unknown, path: string): SecondsAndNanos {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (match === null) {
    throw new InvalidValueError(displayPath(path), `expected a duration like "1.5s", got ${JSON.stringify(value)}`);
  }
  const [, minus, whole = '0', fraction = ''] = match;
  const seconds = Number(whole);
  if (seconds > MAX_DURATION_SECONDS) throw new InvalidValueError(displayPath(path), 'duration out of range');
  const nanos = Number(fraction.padEnd(9, '0'));
  const sign = minus === undefined ? 1 : -1;
  // Both parts carry the sign, as google.protobuf.Duration requires.
  return secondsAndNanos(sign * seconds, sign * nanos);
}

function fractionText(nanos: number): string {
  if (nanos === 0) return '';
  return `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
}

/** `{ seconds, nanos }` → `"1.5s"` (fewest digits that say it exactly). */
export function durationToJson(seconds: unknown, nanos: number): string {
  const whole = int64ToJson(seconds);
  const secondsText = String(whole);
  const negative = secondsText.startsWith('-') || nanos < 0;
  const absSeconds = secondsText.replace(/^-/, '');
  return `${negative ? '-' : ''}${absSeconds}${fractionText(Math.abs(nanos))}s`;
}

/** RFC 3339 text → seconds since the epoch and nanos. */
export function timestampFromJson(value: unknown, path: string): SecondsAndNanos {
  const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  const millis = match === null ? Number.NaN : Date.parse(`${match[1] ?? ''}${match[3] ?? ''}`);
  if (match === null || Number.isNaN(millis)) {
    throw new InvalidValueError(displayPath(path), `expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  }
  return secondsAndNanos(Math.floor(millis / 1000), Number((match[2] ?? '').padEnd(9, '0')));
}

/** Seconds and nanos → `2024-01-02T03:04:05.5Z`. */
export function timestampToJson(seconds: unknown, nanos: number): string {
  const whole = Number(int64ToJson(seconds));
  const base = new Date(whole * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${base}${fractionText(nanos)}Z`;
}
