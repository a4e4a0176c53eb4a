const UNIT_NANOS: Record<string, number> = { h: 3.6e12, m: 6e10, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/** Nanoseconds in a duration written as Istio accepts it (`10s`, `1.5s`, `1h30m`, `250ms`); `undefined` if malformed. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let nanos = 0;
  for (const [, amount = '0', unit = 's'] of text.matchAll(PART)) nanos += Number(amount) * (UNIT_NANOS[unit] ?? 0);
  return Math.round(nanos);
}

/** A duration in Envoy's JSON form: seconds with an `s` suffix (`10s`, `0.250s`). */
export function formatEnvoyDuration(nanos: number): string {
  const seconds = Math.floor(nanos / 1e9);
  const fraction = nanos - seconds * 1e9;
  if (fraction === 0) return `${seconds}s`;
  return `${seconds}.${String(fraction).padStart(9, '0').replace(/0+$/, '')}s`;
}
