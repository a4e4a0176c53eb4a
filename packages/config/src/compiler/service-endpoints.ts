import { compare } from '../compare.js';
import { labelsMatch } from '../model/host-names.js';
import type { MeshService } from '../model/mesh-model.js';
import type { WorkloadInstance } from '../proxy/workload-instance.js';

/**
 * The registered instances behind a Service: same namespace, labels matching its selector (and
 * the subset's labels, when given). Sorted by IP and one per IP, so output does not depend on
 * registration order.
 */
export function serviceEndpoints(
  service: MeshService,
  workloads: readonly WorkloadInstance[],
  subsetLabels: Readonly<Record<string, string>> = {},
): WorkloadInstance[] {
  const { selector } = service;
  if (selector === undefined) return [];
  const byIp = new Map<string, WorkloadInstance>();
  const selected = workloads
    .filter((w) => w.namespace === service.namespace && labelsMatch(selector, w.labels) && labelsMatch(subsetLabels, w.labels))
    .sort((a, b) => compare(a.ip, b.ip) || compare(a.name, b.name));
  for (const workload of selected) if (!byIp.has(workload.ip)) byIp.set(workload.ip, workload);
  return [...byIp.values()];
}
