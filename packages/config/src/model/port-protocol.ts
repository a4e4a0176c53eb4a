import type { PortProtocol } from './mesh-model.js';

const BY_PREFIX: Record<string, PortProtocol> = {
  http: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-WEB',
  tcp: 'TCP',
  tls: 'TLS',
  udp: 'UDP',
  mongo: 'MONGO',
  mysql: 'MYSQL',
  redis: 'REDIS',
};

/**
 * Istio's protocol selection: `appProtocol` first, then the port name (`http` or `http-…`),
 * and UDP from the Kubernetes protocol. `UNKNOWN` is what Istio would sniff at runtime.
 */
export function inferPortProtocol(name: string, appProtocol: string | undefined, kubernetesProtocol: string | undefined): PortProtocol {
  if (kubernetesProtocol === 'UDP') return 'UDP';
  const fromAppProtocol = appProtocol === undefined ? undefined : BY_PREFIX[appProtocol.toLowerCase()];
  if (fromAppProtocol) return fromAppProtocol;
  const lower = name.toLowerCase();
  if (lower.startsWith('grpc-web')) return 'GRPC-WEB';
  const prefix = lower.split('-')[0] ?? '';
  return BY_PREFIX[prefix] ?? 'UNKNOWN';
}

/** Ports the HTTP pipeline can serve; Istio would sniff UNKNOWN ones, which are HTTP here. */
export function isHttpProtocol(protocol: PortProtocol): boolean {
  return protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-WEB' || protocol === 'UNKNOWN';
}
