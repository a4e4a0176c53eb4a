export type IstioReporter = 'source' | 'destination';
export type ConnectionSecurityPolicy = 'mutual_tls' | 'none' | 'unknown';

/**
 * The labels Istio puts on its standard HTTP metrics, under Istio's own names, so dashboards and
 * alerts written for Istio work unchanged. Every value is a string; see `completeLabels`.
 */
export interface IstioRequestLabels {
  reporter: IstioReporter;
  source_workload: string;
  source_workload_namespace: string;
  source_principal: string;
  source_app: string;
  source_version: string;
  source_canonical_service: string;
  source_canonical_revision: string;
  source_cluster: string;
  destination_workload: string;
  destination_workload_namespace: string;
  destination_principal: string;
  destination_app: string;
  destination_version: string;
  destination_service: string;
  destination_service_name: string;
  destination_service_namespace: string;
  destination_canonical_service: string;
  destination_canonical_revision: string;
  destination_cluster: string;
  request_protocol: string;
  response_code: string;
  grpc_response_status: string;
  response_flags: string;
  connection_security_policy: ConnectionSecurityPolicy;
}

/** Labels as a caller knows them: only the reporter is required. */
export type IstioRequestLabelsInput = Partial<IstioRequestLabels> & Pick<IstioRequestLabels, 'reporter'>;

/**
 * Istio's value for a label nobody could determine. Most are `unknown`; canonical revisions are
 * `latest`, response flags are `-` (Envoy's "no flags"), and the gRPC status is empty for non-gRPC.
 */
const DEFAULTS: Omit<IstioRequestLabels, 'reporter'> = {
  source_workload: 'unknown',
  source_workload_namespace: 'unknown',
  source_principal: 'unknown',
  source_app: 'unknown',
  source_version: 'unknown',
  source_canonical_service: 'unknown',
  source_canonical_revision: 'latest',
  source_cluster: 'unknown',
  destination_workload: 'unknown',
  destination_workload_namespace: 'unknown',
  destination_principal: 'unknown',
  destination_app: 'unknown',
  destination_version: 'unknown',
  destination_service: 'unknown',
  destination_service_name: 'unknown',
  destination_service_namespace: 'unknown',
  destination_canonical_service: 'unknown',
  destination_canonical_revision: 'latest',
  destination_cluster: 'unknown',
  request_protocol: 'unknown',
  response_code: 'unknown',
  grpc_response_status: '',
  response_flags: '-',
  connection_security_policy: 'unknown',
};

/** Istio's label names in Istio's order; exposition lists labels in this order. */
export const ISTIO_REQUEST_LABEL_NAMES: readonly (keyof IstioRequestLabels)[] = Object.freeze([
  'reporter',
  ...(Object.keys(DEFAULTS) as (keyof Omit<IstioRequestLabels, 'reporter'>)[]),
]);

/**
 * Fills every label the caller left out (or passed as an empty string where Istio would say
 * `unknown`) with Istio's default, and returns a new object in Istio's label order.
 */
export function completeLabels(partial: IstioRequestLabelsInput): IstioRequestLabels {
  const labels = { reporter: partial.reporter } as IstioRequestLabels;
  const target = labels as unknown as Record<string, string>;
  const source = partial as unknown as Record<string, string | undefined>;
  for (const [name, fallback] of Object.entries<string>(DEFAULTS)) {
    const given = source[name];
    target[name] = given === undefined || (given === '' && fallback !== '') ? fallback : given;
  }
  return labels;
}
