import type { WorkloadIdentity } from '@meshkit/identity';
import type { ProxyRuntime, ResourceRecord } from '../runtime/proxy-runtime.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

function records<T>(map: ReadonlyMap<string, ResourceRecord>, wrap: (record: ResourceRecord) => T): T[] {
  return [...map.values()].map(wrap);
}

/** Envoy's `/config_dump`: what the proxy is running, in Envoy's admin shape. Private keys are redacted. */
export function configDump(bootstrap: unknown, runtime: ProxyRuntime, identity: WorkloadIdentity | undefined, includeEds: boolean): unknown {
  const { applied } = runtime;
  const configs: unknown[] = [
    { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap },
    {
      '@type': `${ADMIN}ClustersConfigDump`,
      dynamic_active_clusters: records(applied.clusters, (r) => ({ version_info: r.version, cluster: r.resource })),
    },
    {
      '@type': `${ADMIN}ListenersConfigDump`,
      dynamic_listeners: records(applied.listeners, (r) => ({
        name: (r.resource as { name?: string }).name,
        active_state: { version_info: r.version, listener: r.resource },
      })),
    },
    {
      '@type': `${ADMIN}RoutesConfigDump`,
      dynamic_route_configs: records(applied.routes, (r) => ({ version_info: r.version, route_config: r.resource })),
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
                    private_key: { inline_string: '[redacted]' },
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
      dynamic_endpoint_configs: records(applied.endpoints, (r) => ({ version_info: r.version, endpoint_config: r.resource })),
    });
  }
  return { configs };
}
