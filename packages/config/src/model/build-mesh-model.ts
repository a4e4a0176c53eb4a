import { compare } from '../compare.js';
import { knownKindOf } from '../kinds.js';
import type { ConfigResource } from '../parse/config-resource.js';
import { toDestinationRule, toGateway, toVirtualService } from './istio-objects.js';
import { toDeployment, toService, toServiceAccount } from './kubernetes-objects.js';
import type { MeshModel } from './mesh-model.js';

/**
 * Turns validated resources into the typed model the compiler reads. Each list is sorted by
 * namespace then name, so the same config always gives the same model whatever the file order.
 * Resources of kinds this package does not know are ignored.
 */
export function buildMeshModel(resources: readonly ConfigResource[]): MeshModel {
  const sorted = [...resources].sort(
    (a, b) => compare(a.metadata.namespace, b.metadata.namespace) || compare(a.metadata.name, b.metadata.name),
  );
  const ofKind = (kind: string): ConfigResource[] => sorted.filter((resource) => knownKindOf(resource) === kind);

  const deployments = ofKind('Deployment').map(toDeployment);
  const namespaces = new Set(ofKind('Namespace').map((resource) => resource.metadata.name));
  for (const resource of sorted) if (knownKindOf(resource) !== 'Namespace') namespaces.add(resource.metadata.namespace);
  return {
    services: ofKind('Service').map((resource) => toService(resource, deployments)),
    virtualServices: ofKind('VirtualService').map(toVirtualService),
    destinationRules: ofKind('DestinationRule').map(toDestinationRule),
    gateways: ofKind('Gateway').map(toGateway),
    deployments,
    serviceAccounts: ofKind('ServiceAccount').map(toServiceAccount),
    namespaces: [...namespaces].sort(compare),
  };
}
