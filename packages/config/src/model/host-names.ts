export const CLUSTER_DOMAIN = 'cluster.local';

/** `name.namespace.svc.cluster.local` */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/**
 * Istio's short-name rule: a host without a dot (and not a wildcard) is a Service in the
 * resource's own namespace. Hosts with a dot are left as written, as Istio leaves them.
 */
export function resolveHost(host: string, namespace: string): string {
  if (host.startsWith('*') || host.includes('.')) return host;
  return serviceFqdn(host, namespace);
}

/** Whether a host pattern (`*`, `*.example.com` or exact) covers a concrete host. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/**
 * A `gateways:` entry as `namespace/name`, or `mesh`. Istio reads `name` as a Gateway in the
 * referring resource's namespace.
 */
export function resolveGatewayRef(ref: string, namespace: string): string {
  if (ref === 'mesh' || ref.includes('/')) return ref;
  // `name.namespace` is an older spelling of the same reference.
  const dot = ref.indexOf('.');
  if (dot !== -1) return `${ref.slice(dot + 1)}/${ref.slice(0, dot)}`;
  return `${namespace}/${ref}`;
}

export function labelsMatch(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels[key] !== value) return false;
  return true;
}
