import type { PlainRecord } from '../plain-json.js';
import type { FieldChecker } from './field-checker.js';

const SERVER_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'MONGO', 'TCP', 'TLS']);
const NEEDS_TLS = new Set(['HTTPS', 'TLS']);

/** networking.istio.io Gateway: the workload selector and each server's port and hosts. */
export function checkGateway(check: FieldChecker, spec: PlainRecord): void {
  check.stringMap(spec['selector'], 'spec.selector');
  const servers = check.array(spec['servers'], 'spec.servers', { required: true, nonEmpty: true });
  servers?.forEach((value, i) => {
    const path = `spec.servers[${i}]`;
    const server = check.record(value, path, true);
    if (!server) return;
    const port = check.record(server['port'], `${path}.port`, true);
    let protocol: string | undefined;
    if (port) {
      check.port(port['number'], `${path}.port.number`, true);
      check.string(port['name'], `${path}.port.name`, true);
      protocol = check.string(port['protocol'], `${path}.port.protocol`, true);
      if (protocol !== undefined && !SERVER_PROTOCOLS.has(protocol.toUpperCase())) {
        check.report(`${path}.port.protocol`, `must be one of ${[...SERVER_PROTOCOLS].join(', ')}`);
      }
    }
    const hosts = check.array(server['hosts'], `${path}.hosts`, { required: true, nonEmpty: true });
    hosts?.forEach((host, j) => {
      const text = check.string(host, `${path}.hosts[${j}]`, true);
      // `namespace/host` is allowed; each half must be non-empty.
      if (text !== undefined && text.includes('/') && text.split('/').some((part) => part === '')) {
        check.report(`${path}.hosts[${j}]`, 'must be host or namespace/host');
      }
    });
    if (protocol !== undefined && NEEDS_TLS.has(protocol.toUpperCase())) {
      check.record(server['tls'], `${path}.tls`, true);
    }
  });
}
