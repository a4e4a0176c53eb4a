import type { ClusterOptions } from '@meshkit/upstream';
import type { FieldReader } from './fields.js';
import { optionalInteger, optionalPositiveDurationMs, positiveDurationMs } from './cluster-values.js';

export type HealthCheckOptions = NonNullable<ClusterOptions['healthCheck']>;
type HttpCheck = NonNullable<HealthCheckOptions['http']>;

/** Envoy's only-200 default for `expected_statuses`. */
const DEFAULT_EXPECTED: readonly (readonly [number, number])[] = [[200, 201]];

/** A list of Envoy `Int64Range`s of HTTP statuses. */
function readStatusRanges(http: FieldReader, field: string): Array<readonly [number, number]> {
  return http.children(field).map((range, i): readonly [number, number] => {
    range.allowOnly('start', 'end');
    const start = range.number('start');
    const end = range.number('end');
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 100 || end > 600 || start >= end) {
      http.fail(`${field}[${i}]`, `must be a half-open range of statuses within [100, 600), got [${start}, ${end})`);
    }
    return [start, end];
  });
}

function readHttpCheck(http: FieldReader, clusterName: string): HttpCheck {
  http.allowOnly('host', 'path', 'expected_statuses', 'retriable_statuses', 'codec_client_type', 'method');
  const codec = http.optionalString('codec_client_type') ?? 'HTTP1';
  if (codec !== 'HTTP1') http.fail('codec_client_type', `${codec} is not supported (HTTP1 is)`);
  const method = http.optionalString('method') ?? 'GET';
  if (method !== 'GET' && method !== 'METHOD_UNSPECIFIED') http.fail('method', `${method} is not supported (GET is)`);
  const path = http.string('path');
  if (path === '') http.fail('path', 'must not be empty');
  const expected = readStatusRanges(http, 'expected_statuses');
  const retriable = readStatusRanges(http, 'retriable_statuses');
  return {
    path,
    // Envoy sends the cluster's name as Host unless `host` says otherwise.
    host: http.optionalString('host') || clusterName,
    expectedStatuses: expected.length === 0 ? DEFAULT_EXPECTED : expected,
    ...(retriable.length === 0 ? {} : { retriableStatuses: retriable }),
  };
}

function readTcpCheck(tcp: FieldReader): Record<string, never> {
  tcp.allowOnly('send', 'receive');
  // Empty payloads are Envoy's connect-only check, the one this proxy runs.
  const send = tcp.optionalChild('send');
  if (send !== undefined && Object.keys(send.value).length > 0) tcp.fail('send', 'payloads are not supported (only connect checks are)');
  if (tcp.children('receive').length > 0) tcp.fail('receive', 'payloads are not supported (only connect checks are)');
  return {};
}

function readGrpcCheck(grpc: FieldReader, clusterName: string): NonNullable<HealthCheckOptions['grpc']> {
  grpc.allowOnly('service_name', 'authority');
  return { serviceName: grpc.optionalString('service_name') ?? '', authority: grpc.optionalString('authority') || clusterName };
}

/** Envoy's `no_traffic_interval` when none is set: a cluster nothing has used yet is checked rarely. */
const DEFAULT_NO_TRAFFIC_INTERVAL_MS = 60_000;

/** `health_checks[]` (one check per cluster), with Envoy's interval fields and defaults. */
export function readHealthCheck(cluster: FieldReader, clusterName: string): HealthCheckOptions | undefined {
  const checks = cluster.children('health_checks');
  if (checks.length > 1) cluster.fail('health_checks[1]', 'only one health check per cluster is supported');
  const check = checks[0];
  if (check === undefined) return undefined;
  check.allowOnly(
    'timeout',
    'interval',
    'interval_jitter',
    'interval_jitter_percent',
    'initial_jitter',
    'unhealthy_interval',
    'unhealthy_edge_interval',
    'healthy_edge_interval',
    'no_traffic_interval',
    'no_traffic_healthy_interval',
    'unhealthy_threshold',
    'healthy_threshold',
    'reuse_connection',
    'http_health_check',
    'tcp_health_check',
    'grpc_health_check',
  );
  // Each check opens a fresh connection; asking for reuse explicitly is refused.
  if (check.boolean('reuse_connection', false)) check.fail('reuse_connection', 'checks always open a new connection here; set false or leave it out');
  const intervalMs = positiveDurationMs(check, 'interval');
  const jitterPercent = optionalInteger(check, 'interval_jitter_percent', 0, 100) ?? 0;
  const intervalJitterMs = (check.durationMs('interval_jitter') ?? 0) + (intervalMs * jitterPercent) / 100;
  const initialJitterMs = check.durationMs('initial_jitter') ?? 0;
  const unhealthyThreshold = optionalInteger(check, 'unhealthy_threshold', 0);
  const healthyThreshold = optionalInteger(check, 'healthy_threshold', 0);
  if (unhealthyThreshold === undefined) return check.fail('unhealthy_threshold', 'is required');
  if (healthyThreshold === undefined) return check.fail('healthy_threshold', 'is required');
  const kinds = ['http_health_check', 'tcp_health_check', 'grpc_health_check'].filter((kind) => check.has(kind));
  if (kinds.length !== 1) check.fail('', 'needs exactly one of http_health_check, tcp_health_check, grpc_health_check');
  const http = check.optionalChild('http_health_check');
  const tcp = check.optionalChild('tcp_health_check');
  const grpc = check.optionalChild('grpc_health_check');
  return {
    timeoutMs: positiveDurationMs(check, 'timeout'),
    intervalMs,
    ...(intervalJitterMs > 0 ? { intervalJitterMs } : {}),
    ...(initialJitterMs > 0 ? { initialJitterMs } : {}),
    ...optionalIntervals(check),
    unhealthyThreshold,
    healthyThreshold,
    ...(http === undefined ? {} : { http: readHttpCheck(http, clusterName) }),
    ...(tcp === undefined ? {} : { tcp: readTcpCheck(tcp) }),
    ...(grpc === undefined ? {} : { grpc: readGrpcCheck(grpc, clusterName) }),
  };
}

/** The intervals Envoy uses instead of `interval` by verdict and traffic; each must be above 0 when set. */
function optionalIntervals(check: FieldReader): Partial<HealthCheckOptions> {
  const optional = (field: string): number | undefined => optionalPositiveDurationMs(check, field);
  const intervals = {
    unhealthyIntervalMs: optional('unhealthy_interval'),
    unhealthyEdgeIntervalMs: optional('unhealthy_edge_interval'),
    healthyEdgeIntervalMs: optional('healthy_edge_interval'),
    noTrafficIntervalMs: optional('no_traffic_interval') ?? DEFAULT_NO_TRAFFIC_INTERVAL_MS,
    noTrafficHealthyIntervalMs: optional('no_traffic_healthy_interval'),
  };
  return Object.fromEntries(Object.entries(intervals).filter(([, value]) => value !== undefined));
}
