import type { DnsLookupFamily, DnsOptions } from '@meshkit/upstream';
import type { FieldReader } from './fields.js';
import { enumValue, optionalPositiveDurationMs, positiveDurationMs } from './cluster-values.js';

/** How a DNS cluster resolves, without the resolver (the runtime supplies that). */
export type DnsSpec = Omit<DnsOptions, 'resolver'>;

const FAMILIES: readonly DnsLookupFamily[] = ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'];

/** The cluster fields that only mean something for STRICT_DNS and LOGICAL_DNS. */
export const DNS_FIELDS = ['dns_refresh_rate', 'dns_failure_refresh_rate', 'dns_jitter', 'respect_dns_ttl', 'dns_lookup_family'] as const;

function readFailureRefreshRate(failure: FieldReader): NonNullable<DnsOptions['failureRefreshRate']> {
  failure.allowOnly('base_interval', 'max_interval');
  const baseIntervalMs = positiveDurationMs(failure, 'base_interval');
  const maxIntervalMs = optionalPositiveDurationMs(failure, 'max_interval');
  if (maxIntervalMs !== undefined && maxIntervalMs < baseIntervalMs) failure.fail('max_interval', 'must not be below base_interval');
  return { baseIntervalMs, ...(maxIntervalMs === undefined ? {} : { maxIntervalMs }) };
}

/** Resolution settings of a DNS cluster; Envoy's defaults (5 s refresh, AUTO) are upstream's too. */
export function readDns(cluster: FieldReader): DnsSpec {
  const failure = cluster.optionalChild('dns_failure_refresh_rate');
  const refreshRateMs = optionalPositiveDurationMs(cluster, 'dns_refresh_rate');
  const jitterMs = cluster.durationMs('dns_jitter');
  return {
    lookupFamily: enumValue(cluster, 'dns_lookup_family', FAMILIES, 'AUTO'),
    respectDnsTtl: cluster.boolean('respect_dns_ttl', false),
    ...(refreshRateMs === undefined ? {} : { refreshRateMs }),
    ...(jitterMs === undefined ? {} : { jitterMs }),
    ...(failure === undefined ? {} : { failureRefreshRate: readFailureRefreshRate(failure) }),
  };
}
