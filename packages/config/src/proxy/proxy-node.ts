import { isIP } from 'node:net';
import { isRecord, stringEntries } from '../plain-json.js';

/** Who a connecting proxy is, from its Envoy `Node`. */
export interface ProxyNode {
  type: 'sidecar' | 'router';
  /** The node id as sent. */
  id: string;
  /** Pod IP: where a sidecar's inbound listeners and a gateway's listeners bind. */
  ip: string;
  /** Pod-local address (sidecars): where the app listens and the outbound listener binds. */
  localAddress?: string;
  namespace: string;
  workloadName: string;
  serviceAccount: string;
  labels: Record<string, string>;
}

/** An Envoy `Node` as an xDS request carries it; `metadata` may be plain JSON or a protobuf Struct. */
export interface EnvoyNode {
  id: string;
  cluster?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Reads Istio's node conventions: id `sidecar~<podIP>~<workload>.<namespace>~<namespace>.svc.cluster.local`
 * (or `router~…`), and the metadata keys NAMESPACE, LABELS, SERVICE_ACCOUNT, WORKLOAD_NAME,
 * INSTANCE_IPS and MESHKIT_LOCAL_ADDRESS. Metadata wins over the id where both say something.
 * Returns `null` for a node that does not follow the convention.
 */
export function parseProxyNode(node: EnvoyNode): ProxyNode | null {
  const parts = node.id.split('~');
  if (parts.length !== 4) return null;
  const [type, idIp = '', workloadDotNamespace = ''] = parts;
  if (type !== 'sidecar' && type !== 'router') return null;

  const metadata = plainMetadata(node.metadata);
  const instanceIp = stringField(metadata, 'INSTANCE_IPS')?.split(',')[0]?.trim();
  const ip = isIP(idIp) !== 0 ? idIp : instanceIp;
  if (ip === undefined || isIP(ip) === 0) return null;

  // Namespaces cannot contain dots, so the last dot separates workload from namespace.
  const dot = workloadDotNamespace.lastIndexOf('.');
  const idWorkload = dot === -1 ? workloadDotNamespace : workloadDotNamespace.slice(0, dot);
  const idNamespace = dot === -1 ? undefined : workloadDotNamespace.slice(dot + 1);
  const namespace = stringField(metadata, 'NAMESPACE') ?? idNamespace;
  const workloadName = stringField(metadata, 'WORKLOAD_NAME') ?? idWorkload;
  if (namespace === undefined || namespace === '' || workloadName === '') return null;

  const proxy: ProxyNode = {
    type,
    id: node.id,
    ip,
    namespace,
    workloadName,
    serviceAccount: stringField(metadata, 'SERVICE_ACCOUNT') ?? 'default',
    labels: stringEntries(metadata['LABELS']),
  };
  const localAddress = stringField(metadata, 'MESHKIT_LOCAL_ADDRESS');
  if (type === 'sidecar' && localAddress !== undefined && isIP(localAddress) !== 0) proxy.localAddress = localAddress;
  return proxy;
}

function stringField(metadata: Record<string, unknown>, key: string): string | undefined {
  const value = metadata[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Metadata as plain JSON. A gRPC library may hand over `google.protobuf.Struct` in its message
 * form (`{ fields: { KEY: { stringValue } } }`), which is unwrapped here.
 */
function plainMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return {};
  const fields = metadata['fields'];
  if (Object.keys(metadata).length === 1 && isRecord(fields)) return structToPlain(fields);
  return metadata;
}

function structToPlain(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = protoValueToPlain(value);
  return out;
}

function protoValueToPlain(value: unknown): unknown {
  if (!isRecord(value)) return value;
  if (typeof value['stringValue'] === 'string') return value['stringValue'];
  if (typeof value['numberValue'] === 'number') return value['numberValue'];
  if (typeof value['boolValue'] === 'boolean') return value['boolValue'];
  const struct = value['structValue'];
  if (isRecord(struct) && isRecord(struct['fields'])) return structToPlain(struct['fields']);
  const list = value['listValue'];
  if (isRecord(list) && Array.isArray(list['values'])) return (list['values'] as unknown[]).map(protoValueToPlain);
  return null;
}
