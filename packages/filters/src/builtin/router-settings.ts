import { FilterConfigError } from '../errors.js';

/** The router filter's typed config (Envoy's `extensions.filters.http.router.v3.Router`). */
export interface RouterSettings {
  /**
   * `suppress_envoy_headers`: the router adds none of its own `x-envoy-*` headers
   * (`x-envoy-upstream-service-time`, `x-envoy-overloaded`, `x-envoy-original-path`,
   * `x-envoy-expected-rq-timeout-ms`).
   */
  readonly suppressEnvoyHeaders: boolean;
}

/** Fields accepted only at the value this router behaves as (anything else would be ignored). */
const FIXED: Readonly<Record<string, unknown>> = { dynamic_stats: true, start_child_span: false };

/** Reads the router's typed config, refusing every field it would otherwise silently ignore. */
export function readRouterSettings(config: Readonly<Record<string, unknown>>): RouterSettings {
  let suppressEnvoyHeaders = false;
  for (const [key, value] of Object.entries(config)) {
    if (key === '@type') continue;
    if (key === 'suppress_envoy_headers') {
      if (typeof value !== 'boolean') throw new FilterConfigError(key, 'expected true or false');
      suppressEnvoyHeaders = value;
    } else if (key in FIXED) {
      if (value !== FIXED[key]) throw new FilterConfigError(key, `only ${String(FIXED[key])} is supported by this router`);
    } else {
      throw new FilterConfigError(key, 'is not supported by this router');
    }
  }
  return { suppressEnvoyHeaders };
}
