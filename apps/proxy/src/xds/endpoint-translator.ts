import { findEndpointProblem } from '@meshkit/upstream';
import type { Endpoint } from '@meshkit/upstream';
import { FieldReader } from './fields.js';

const UNHEALTHY = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED']);

/** Envoy `ClusterLoadAssignment` → the cluster's endpoints. */
export function translateClusterLoadAssignment(resource: unknown): { clusterName: string; endpoints: Endpoint[] } {
  const clusterName = FieldReader.of('ClusterLoadAssignment', resource).string('cluster_name');
  return { clusterName, endpoints: readEndpoints(FieldReader.of(`ClusterLoadAssignment ${clusterName}`, resource)) };
}

/** A `LocalityLbEndpoints` group's locality, priority and locality weight, as each of its endpoints carries them. */
function readPlacement(group: FieldReader): Pick<Endpoint, 'locality' | 'priority' | 'localityWeight'> {
  const placement: { -readonly [K in 'locality' | 'priority' | 'localityWeight']?: Endpoint[K] } = {};
  const locality = group.optionalChild('locality')?.allowOnly('region', 'zone', 'sub_zone');
  if (locality !== undefined) {
    const region = locality.optionalString('region');
    const zone = locality.optionalString('zone');
    const subZone = locality.optionalString('sub_zone');
    placement.locality = { ...(region === undefined ? {} : { region }), ...(zone === undefined ? {} : { zone }), ...(subZone === undefined ? {} : { subZone }) };
  }
  const priority = group.optionalNumber('priority');
  if (priority !== undefined && priority > 0) placement.priority = priority;
  const weight = group.optionalNumber('load_balancing_weight');
  if (weight !== undefined) placement.localityWeight = weight;
  return placement;
}

/** The endpoints of a `ClusterLoadAssignment` (also used for a static cluster's `load_assignment`). */
export function readEndpoints(cla: FieldReader): Endpoint[] {
  cla.allowOnly('cluster_name', 'endpoints');
  const endpoints: Endpoint[] = [];
  for (const group of cla.children('endpoints')) {
    group.allowOnly('lb_endpoints', 'locality', 'priority', 'load_balancing_weight');
    const placement = readPlacement(group);
    for (const lb of group.children('lb_endpoints')) {
      lb.allowOnly('endpoint', 'health_status', 'load_balancing_weight', 'metadata');
      const address = lb.child('endpoint').allowOnly('address').child('address').allowOnly('socket_address').child('socket_address');
      address.allowOnly('address', 'port_value', 'protocol');
      if ((address.optionalString('protocol') ?? 'TCP') !== 'TCP') address.fail('protocol', 'only TCP endpoints are supported');
      const health = lb.optionalString('health_status');
      endpoints.push({
        address: address.string('address'),
        port: address.number('port_value'),
        weight: lb.optionalNumber('load_balancing_weight') ?? 1,
        healthy: health === undefined || !UNHEALTHY.has(health),
        ...placement,
      });
    }
  }
  // Checked here, with the rest of the resource, so an update with an unusable endpoint list is
  // refused whole before any cluster changes (a cluster would refuse it halfway through otherwise).
  const problem = findEndpointProblem(endpoints);
  if (problem !== null) cla.fail('endpoints', `${problem.field} ${problem.problem}, counting lb_endpoints across localities`);
  return endpoints;
}
