/** Type URLs of the resources an ADS stream carries, as Envoy names them. */
export const TYPE_URLS = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type TypeUrl = (typeof TYPE_URLS)[keyof typeof TYPE_URLS];

/**
 * A resource in Envoy's own JSON/YAML form: snake_case fields, `"@type"` on typed configs,
 * durations as `"1.5s"`, wrappers as plain values, Struct as plain JSON, enums by name.
 */
export type EnvoyResource = Record<string, unknown>;

const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** `type.googleapis.com/a.b.C` → `a.b.C` (any host prefix is accepted, as Any allows). */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

/** `a.b.C` → `type.googleapis.com/a.b.C`. */
export function typeUrlOf(typeName: string): string {
  return TYPE_URL_PREFIX + typeName;
}

/** The name a resource is known by on the wire: `cluster_name` for ClusterLoadAssignment, else `name`. */
export function resourceName(typeUrl: string, resource: EnvoyResource): string {
  const name = typeUrl === TYPE_URLS.endpoint ? resource['cluster_name'] : resource['name'];
  return typeof name === 'string' ? name : '';
}

/** LDS and CDS treat an empty subscription as "everything"; the other types as "nothing". */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === TYPE_URLS.listener || typeUrl === TYPE_URLS.cluster;
}
