import type { WorkloadIdentity } from '@meshkit/identity';
import type { ProxyRuntime, ResourceRecord } from '../runtime/proxy-runtime.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const REDACTED = '[redacted]';

/** Fields Envoy marks sensitive: their values never leave the proxy through the admin API. */
const SENSITIVE_FIELDS = new Set(['private_key', 'password']);

/** A copy of `value` with every sensitive field's data replaced, as Envoy's config dump does. */
export function redactSensitive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSensitive);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SENSITIVE_FIELDS.has(key) ? redactDataSource(field) : redactSensitive(field);
  }
  return out;
}

function redactDataSource(source: unknown): unknown {
  if (typeof source !== 'object' || source === null) return REDACTED;
  // A file name is not secret (Envoy shows it too); inline data is.
  return Object.fromEntries(Object.entries(source).map(([key, v]) => [key, key === 'filename' ? v : REDACTED]));
}

function records<T>(map: ReadonlyMap<string, ResourceRecord>, isStatic: boolean, wrap: (record: ResourceRecord) => T): T[] {
  return [...map.values()].filter((r) => r.isStatic === isStatic).map(wrap);
}

/** Envoy's `/config_dump`: what the proxy is running, in Envoy's admin shape. Private keys are redacted. */
export function configDump(bootstrap: unknown, runtime: ProxyRuntime, identity: WorkloadIdentity | undefined, includeEds: boolean): unknown {
  const { applied } = runtime;
  const clusterOf = (r: ResourceRecord): unknown => redactSensitive(r.resource);
  const configs: unknown[] = [
    { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: redactSensitive(bootstrap) },
    {
      '@type': `${ADMIN}ClustersConfigDump`,
      static_clusters: records(applied.clusters, true, (r) => ({ cluster: clusterOf(r) })),
      dynamic_active_clusters: records(applied.clusters, false, (r) => ({ version_info: r.version, cluster: clusterOf(r) })),
      dynamic_warming_clusters: records(applied.warmingClusters, false, (r) => ({ version_info: r.version, cluster: clusterOf(r) })),
    },
    {
      '@type': `${ADMIN}ListenersConfigDump`,
      static_listeners: records(applied.listeners, true, (r) => ({ listener: redactSensitive(r.resource) })),
      dynamic_listeners: records(applied.listeners, false, (r) => {
        const name = (r.resource as { name?: string }).name;
        const live = runtime.listenerManager.listeners.find((l) => l.spec.name === name);
        // Waiting for its route configs (a new listener, or an update the old version serves for).
        const state = live?.warming === true || live?.pendingSpec !== undefined ? 'warming_state' : 'active_state';
        return { name, [state]: { version_info: r.version, listener: redactSensitive(r.resource) } };
      }),
    },
    {
      '@type': `${ADMIN}RoutesConfigDump`,
      dynamic_route_configs: records(applied.routes, false, (r) => ({ version_info: r.version, route_config: r.resource })),
    },
    {
      '@type': `${ADMIN}SecretsConfigDump`,
      dynamic_active_secrets:
        identity === undefined
          ? []
          : [
              {
                name: 'default',
                secret: {
                  name: 'default',
                  tls_certificate: {
                    certificate_chain: { inline_string: identity.certChainPem.join('') },
                    private_key: { inline_string: REDACTED },
                  },
                },
              },
              { name: 'ROOTCA', secret: { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: identity.rootCertPem } } } },
            ],
    },
  ];
  if (includeEds) {
    configs.push({
      '@type': `${ADMIN}EndpointsConfigDump`,
      dynamic_endpoint_configs: records(applied.endpoints, false, (r) => ({ version_info: r.version, endpoint_config: r.resource })),
    });
  }
  return { configs };
}
