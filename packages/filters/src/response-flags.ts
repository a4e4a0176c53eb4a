/**
 * Envoy's response flags, as they appear in access logs and in Istio's `response_flags` label.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage
 */
export const ResponseFlag = {
  NoHealthyUpstream: 'UH',
  UpstreamConnectionFailure: 'UF',
  UpstreamOverflow: 'UO',
  NoRouteFound: 'NR',
  NoClusterFound: 'NC',
  UpstreamRetryLimitExceeded: 'URX',
  UpstreamRequestTimeout: 'UT',
  DownstreamConnectionTermination: 'DC',
  UpstreamConnectionTermination: 'UC',
  UpstreamRemoteReset: 'UR',
  LocalReset: 'LR',
  StreamIdleTimeout: 'SI',
  DownstreamProtocolError: 'DPE',
  UpstreamProtocolError: 'UPE',
  DelayInjected: 'DI',
  FaultInjected: 'FI',
  RateLimited: 'RL',
  UnauthorizedExternalService: 'UAEX',
  DurationTimeout: 'DT',
} as const;

export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];

/** The order Envoy prints flags in (its flag enum's), whatever order they were set in. */
const ENVOY_ORDER: readonly ResponseFlag[] = ['UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'DC', 'URX', 'SI', 'DPE', 'DT', 'UPE', 'NC'];

/** Envoy's `%RESPONSE_FLAGS%` form: comma-separated in Envoy's order, `-` when none. */
export function formatResponseFlags(flags: readonly ResponseFlag[]): string {
  if (flags.length === 0) return '-';
  if (flags.length === 1) return flags[0] as string;
  return [...flags].sort((a, b) => ENVOY_ORDER.indexOf(a) - ENVOY_ORDER.indexOf(b)).join(',');
}
