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
} as const;

export type ResponseFlag = (typeof ResponseFlag)[keyof typeof ResponseFlag];
