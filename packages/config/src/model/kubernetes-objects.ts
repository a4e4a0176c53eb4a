import type { ConfigResource } from '../parse/config-resource.js';
import { asArray, asNumber, asRecord, asString, isRecord, stringEntries } from '../plain-json.js';
import { labelsMatch, serviceFqdn } from './host-names.js';
import type { ContainerSpec, Deployment, MeshService, ServiceAccount, ServicePort } from './mesh-model.js';
import { inferPortProtocol } from './port-protocol.js';

export function toDeployment(resource: ConfigResource): Deployment {
  const spec = asRecord(resource.spec);
  const template = asRecord(spec['template']);
  const podSpec = asRecord(template['spec']);
  return {
    name: resource.metadata.name,
    namespace: resource.metadata.namespace,
    selector: stringEntries(asRecord(spec['selector'])['matchLabels']),
    podLabels: stringEntries(asRecord(template['metadata'])['labels']),
    serviceAccount: asString(podSpec['serviceAccountName']) ?? 'default',
    containers: asArray(podSpec['containers']).filter(isRecord).map(toContainer),
    source: resource.source,
  };
}

function toContainer(container: Record<string, unknown>): ContainerSpec {
  return {
    name: asString(container['name']) ?? '',
    image: asString(container['image']) ?? '',
    args: asArray(container['args']).filter((arg): arg is string => typeof arg === 'string'),
    env: asArray(container['env'])
      .filter(isRecord)
      .map((variable) => ({ name: asString(variable['name']) ?? '', value: asString(variable['value']) ?? '' })),
    ports: asArray(container['ports'])
      .filter(isRecord)
      .map((port) => {
        const name = asString(port['name']);
        const containerPort = asNumber(port['containerPort']) ?? 0;
        return name === undefined ? { containerPort } : { containerPort, name };
      }),
  };
}

export function toServiceAccount(resource: ConfigResource): ServiceAccount {
  return { name: resource.metadata.name, namespace: resource.metadata.namespace, source: resource.source };
}

/** A Service; named target ports are looked up in the containers of the Deployments it selects. */
export function toService(resource: ConfigResource, deployments: readonly Deployment[]): MeshService {
  const spec = asRecord(resource.spec);
  const { name, namespace } = resource.metadata;
  const selector = isRecord(spec['selector']) ? stringEntries(spec['selector']) : undefined;
  const selected = selector === undefined ? [] : deployments.filter((d) => d.namespace === namespace && labelsMatch(selector, d.podLabels));
  const ports = asArray(spec['ports'])
    .filter(isRecord)
    .map((port): ServicePort => {
      const number = asNumber(port['port']) ?? 0;
      const portName = asString(port['name']) ?? '';
      return {
        port: number,
        name: portName,
        targetPort: resolveTargetPort(port['targetPort'], number, selected),
        protocol: inferPortProtocol(portName, asString(port['appProtocol']), asString(port['protocol'])),
      };
    });
  return { name, namespace, fqdn: serviceFqdn(name, namespace), ports, selector, labels: resource.metadata.labels, source: resource.source };
}

function resolveTargetPort(targetPort: unknown, port: number, deployments: readonly Deployment[]): number {
  if (typeof targetPort === 'number') return targetPort;
  if (typeof targetPort !== 'string') return port;
  for (const deployment of deployments) {
    for (const container of deployment.containers) {
      const named = container.ports.find((candidate) => candidate.name === targetPort);
      if (named) return named.containerPort;
    }
  }
  return port;
}
