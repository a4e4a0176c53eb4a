import { FilterConfigError } from '@meshkit/filters';
import type { CompiledHttpFilter, HeaderMap, HttpFilter, HttpFilterContext, HttpFilterFactory } from '@meshkit/filters';

export const HEALTH_CHECK_FILTER_TYPE = 'envoy.extensions.filters.http.health_check.v3.HealthCheck';

/** Whether the proxy answers health checks as failed; the admin's `/healthcheck/fail` and `/healthcheck/ok` flip it. */
export class HealthCheckState {
  failed = false;
}

type HeaderTest = (headers: HeaderMap) => boolean;

function stringMatch(field: string, m: Record<string, unknown>): (value: string) => boolean {
  for (const key of Object.keys(m)) if (!['exact', 'prefix', 'suffix'].includes(key)) throw new FilterConfigError(`${field}.${key}`, 'is not supported (exact, prefix, suffix)');
  const [kind, want] = Object.entries(m)[0] ?? [];
  if (typeof want !== 'string') throw new FilterConfigError(field, 'one of exact, prefix, suffix is required');
  if (kind === 'exact') return (v) => v === want;
  if (kind === 'prefix') return (v) => v.startsWith(want);
  return (v) => v.endsWith(want);
}

/** A `HeaderMatcher` with `string_match` or the older `exact_match`; `:path` compares without the query. */
function headerTest(field: string, raw: unknown): HeaderTest {
  const matcher = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(matcher)) if (!['name', 'string_match', 'exact_match'].includes(key)) throw new FilterConfigError(`${field}.${key}`, 'is not supported by this health check filter');
  const name = matcher['name'];
  if (typeof name !== 'string') throw new FilterConfigError(`${field}.name`, 'a header name is required');
  const test =
    typeof matcher['exact_match'] === 'string'
      ? ((want: string) => (v: string) => v === want)(matcher['exact_match'])
      : stringMatch(`${field}.string_match`, (matcher['string_match'] ?? {}) as Record<string, unknown>);
  const header = name.toLowerCase();
  return (headers) => {
    const value = headers[header];
    if (typeof value !== 'string') return false;
    return test(header === ':path' ? value.split('?')[0] ?? '' : value);
  };
}

/**
 * Envoy's `envoy.filters.http.health_check` in non-pass-through mode: a request matching all
 * `headers` is answered here — 200, or 503 with `x-envoy-immediate-health-check-fail` once the
 * admin has called `/healthcheck/fail` — and never reaches a route.
 */
export function healthCheckFilterFactory(state: HealthCheckState): HttpFilterFactory {
  return {
    typeName: HEALTH_CHECK_FILTER_TYPE,
    compile(config): CompiledHttpFilter {
      for (const key of Object.keys(config)) {
        if (!['@type', 'pass_through_mode', 'headers'].includes(key)) throw new FilterConfigError(key, 'is not supported by this health check filter');
      }
      if (config['pass_through_mode'] !== false) throw new FilterConfigError('pass_through_mode', 'only false (answer health checks here) is supported; it must be set');
      const list = config['headers'];
      if (!Array.isArray(list) || list.length === 0) throw new FilterConfigError('headers', 'at least one header matcher (e.g. :path) is required');
      const tests = list.map((m, i) => headerTest(`headers[${i}]`, m));
      const matches = (headers: HeaderMap): boolean => tests.every((t) => t(headers));
      return {
        name: 'envoy.filters.http.health_check',
        create: (ctx: HttpFilterContext): HttpFilter => ({
          onRequestHeaders: (headers) => {
            if (!matches(headers)) return 'continue';
            if (state.failed) ctx.respond(503, '', { headers: { 'x-envoy-immediate-health-check-fail': 'true' }, details: 'health_check_failed' });
            else ctx.respond(200, '', { details: 'health_check_ok' });
            return 'stop';
          },
        }),
      };
    },
  };
}
