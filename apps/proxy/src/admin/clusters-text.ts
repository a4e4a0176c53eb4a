import { isIP } from 'node:net';
import type { Cluster, Endpoint } from '@meshkit/upstream';
import type { ProxyRuntime } from '../runtime/proxy-runtime.js';

const key = (endpoint: Endpoint): string => `${endpoint.address}:${endpoint.port}`;
const shown = (endpoint: Endpoint): string => (isIP(endpoint.address) === 6 ? `[${endpoint.address}]:${endpoint.port}` : key(endpoint));

/**
 * Envoy's health flags for one member: `/failed_active_hc` when active checks failed it,
 * `/pending_active_hc` while it waits for its first check, `/failed_eds_health` when its
 * configuration says unhealthy; `healthy` when none applies.
 */
function healthFlags(member: Endpoint, effective: ReadonlyMap<string, Endpoint>): string {
  const seen = effective.get(key(member));
  let flags = '';
  if (seen === undefined) flags += '/failed_active_hc/pending_active_hc';
  else if (member.healthy !== false && seen.healthy === false) flags += '/failed_active_hc';
  if (member.healthy === false) flags += '/failed_eds_health';
  return flags === '' ? 'healthy' : flags;
}

function hostLines(name: string, cluster: Cluster): string[] {
  const lines: string[] = [];
  const effective = new Map(cluster.effectiveEndpoints.map((e) => [key(e), e]));
  // Members, not the configured endpoints: a DNS cluster lists the addresses its names resolved to.
  for (const member of cluster.members) {
    const host = `${name}::${shown(member)}`;
    if (member.hostname !== undefined) lines.push(`${host}::hostname::${member.hostname}`);
    lines.push(`${host}::health_flags::${healthFlags(member, effective)}`);
    lines.push(`${host}::weight::${member.weight ?? 1}`);
  }
  return lines;
}

/** Envoy's `/clusters` text: per cluster, then per host. */
export function clustersText(runtime: ProxyRuntime): string {
  const lines: string[] = [];
  const { clusters, applied } = runtime;
  for (const name of clusters.names()) {
    const cluster = clusters.get(name);
    if (cluster === undefined) continue;
    lines.push(`${name}::observability_name::${name}`);
    lines.push(`${name}::added_via_api::${applied.clusters.get(name)?.isStatic === false}`);
    lines.push(...hostLines(name, cluster));
  }
  return `${lines.join('\n')}\n`;
}
