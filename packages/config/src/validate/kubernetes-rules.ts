import { isRecord } from '../plain-json.js';
import type { PlainRecord } from '../plain-json.js';
import type { FieldChecker } from './field-checker.js';

const SERVICE_PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
const IANA_SERVICE_NAME = /^(?=.*[a-z])[a-z0-9](?:-?[a-z0-9])*$/;

/** core/v1 Service: ports (unique names when several), target ports and the selector. */
export function checkService(check: FieldChecker, spec: PlainRecord): void {
  check.stringMap(spec['selector'], 'spec.selector');
  const ports = check.array(spec['ports'], 'spec.ports', { required: true, nonEmpty: true });
  if (!ports) return;
  const names = new Set<string>();
  ports.forEach((value, i) => {
    const path = `spec.ports[${i}]`;
    const port = check.record(value, path, true);
    if (!port) return;
    check.port(port['port'], `${path}.port`, true);
    const targetPort = port['targetPort'];
    if (typeof targetPort === 'string') {
      if (targetPort.length > 15 || !IANA_SERVICE_NAME.test(targetPort)) check.report(`${path}.targetPort`, 'must be a port number or a port name');
    } else {
      check.port(targetPort, `${path}.targetPort`);
    }
    const name = check.dnsLabel(port['name'], `${path}.name`, ports.length > 1);
    if (name !== undefined) {
      if (names.has(name)) check.report(`${path}.name`, `duplicate port name ${JSON.stringify(name)}`);
      names.add(name);
    }
    const protocol = check.string(port['protocol'], `${path}.protocol`);
    if (protocol !== undefined && !SERVICE_PROTOCOLS.has(protocol)) check.report(`${path}.protocol`, 'must be TCP, UDP or SCTP');
    check.string(port['appProtocol'], `${path}.appProtocol`);
  });
}

/** apps/v1 Deployment: selector, pod template labels that it matches, service account and containers. */
export function checkDeployment(check: FieldChecker, spec: PlainRecord): void {
  const selector = check.record(spec['selector'], 'spec.selector', true);
  const matchLabels = selector ? check.stringMap(selector['matchLabels'], 'spec.selector.matchLabels', true) : undefined;
  const template = check.record(spec['template'], 'spec.template', true);
  if (!template) return;
  const metadata = check.record(template['metadata'], 'spec.template.metadata', true);
  const labels = metadata ? check.stringMap(metadata['labels'], 'spec.template.metadata.labels', true) : undefined;
  if (matchLabels && labels) {
    for (const [key, value] of Object.entries(matchLabels)) {
      if (labels[key] !== value) {
        check.report('spec.template.metadata.labels', `must match spec.selector.matchLabels (${key}: ${value})`);
        break;
      }
    }
  }
  const podSpec = check.record(template['spec'], 'spec.template.spec', true);
  if (!podSpec) return;
  check.dnsSubdomain(podSpec['serviceAccountName'], 'spec.template.spec.serviceAccountName');
  const containers = check.array(podSpec['containers'], 'spec.template.spec.containers', { required: true, nonEmpty: true });
  containers?.forEach((value, i) => checkContainer(check, value, `spec.template.spec.containers[${i}]`));
}

function checkContainer(check: FieldChecker, value: unknown, path: string): void {
  const container = check.record(value, path, true);
  if (!container) return;
  check.dnsLabel(container['name'], `${path}.name`, true);
  check.string(container['image'], `${path}.image`, true);
  for (const listField of ['args', 'command'] as const) {
    const list = check.array(container[listField], `${path}.${listField}`);
    list?.forEach((arg, j) => check.string(arg, `${path}.${listField}[${j}]`));
  }
  const env = check.array(container['env'], `${path}.env`);
  env?.forEach((entry, j) => {
    const variable = check.record(entry, `${path}.env[${j}]`, true);
    if (!variable) return;
    check.string(variable['name'], `${path}.env[${j}].name`, true);
    if (!isRecord(variable['valueFrom'])) check.string(variable['value'], `${path}.env[${j}].value`);
  });
  const ports = check.array(container['ports'], `${path}.ports`);
  ports?.forEach((entry, j) => {
    const port = check.record(entry, `${path}.ports[${j}]`, true);
    if (port) check.port(port['containerPort'], `${path}.ports[${j}].containerPort`, true);
  });
}
