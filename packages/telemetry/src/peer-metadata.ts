import { Buffer } from 'node:buffer';
/** Who is on the other end of a request, as Istio's HTTP metadata exchange describes a workload. */
export interface PeerMetadata {
  readonly workloadName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly clusterId?: string;
  readonly app?: string;
  readonly version?: string;
}

/** Carries the encoded `PeerMetadata` of the sender. */
export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';
/** Carries the sender's proxy id, so a receiver can tell a peer it already knows. */
export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';

// Header values beyond this are refused before decoding: a peer cannot make us parse megabytes.
const MAX_HEADER_LENGTH = 16 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Field names follow the keys of Istio's node metadata, which eases the later move to its format.
interface WireMetadata {
  WORKLOAD_NAME: string;
  NAMESPACE: string;
  LABELS: Record<string, string>;
  SERVICE_ACCOUNT?: string;
  CLUSTER_ID?: string;
  APP?: string;
  VERSION?: string;
}

/**
 * Encodes metadata for the `x-envoy-peer-metadata` header as base64 of JSON. Istio's proxies send
 * a serialized protobuf `Struct` instead, so this talks to meshkit peers only for now.
 */
export function encodePeerMetadata(meta: PeerMetadata): string {
  const wire: WireMetadata = { WORKLOAD_NAME: meta.workloadName, NAMESPACE: meta.namespace, LABELS: { ...meta.labels } };
  if (meta.serviceAccount !== undefined) wire.SERVICE_ACCOUNT = meta.serviceAccount;
  if (meta.clusterId !== undefined) wire.CLUSTER_ID = meta.clusterId;
  if (meta.app !== undefined) wire.APP = meta.app;
  if (meta.version !== undefined) wire.VERSION = meta.version;
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64');
}

/** Decodes a header made by `encodePeerMetadata`; anything else (garbage, wrong shapes) is null. */
export function decodePeerMetadata(header: string): PeerMetadata | null {
  if (typeof header !== 'string' || header.length === 0 || header.length > MAX_HEADER_LENGTH) return null;
  const trimmed = header.trim();
  if (!BASE64.test(trimmed)) return null;
  const json = Buffer.from(trimmed, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  return fromWire(parsed);
}

function fromWire(value: unknown): PeerMetadata | null {
  if (!isPlainObject(value)) return null;
  const { WORKLOAD_NAME, NAMESPACE, LABELS, SERVICE_ACCOUNT, CLUSTER_ID, APP, VERSION } = value;
  if (typeof WORKLOAD_NAME !== 'string' || typeof NAMESPACE !== 'string' || !isStringRecord(LABELS)) return null;
  const optional = { SERVICE_ACCOUNT, CLUSTER_ID, APP, VERSION };
  for (const field of Object.values(optional)) if (field !== undefined && typeof field !== 'string') return null;
  return {
    workloadName: WORKLOAD_NAME,
    namespace: NAMESPACE,
    labels: LABELS,
    ...(typeof SERVICE_ACCOUNT === 'string' ? { serviceAccount: SERVICE_ACCOUNT } : {}),
    ...(typeof CLUSTER_ID === 'string' ? { clusterId: CLUSTER_ID } : {}),
    ...(typeof APP === 'string' ? { app: APP } : {}),
    ...(typeof VERSION === 'string' ? { version: VERSION } : {}),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isPlainObject(value)) return false;
  return Object.values(value).every((entry) => typeof entry === 'string');
}
