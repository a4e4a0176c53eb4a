import { describe, expect, it } from 'vitest';
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, decodePeerMetadata, encodePeerMetadata } from './peer-metadata.js';
import type { PeerMetadata } from './peer-metadata.js';

const full: PeerMetadata = {
  workloadName: 'reviews-v2',
  namespace: 'default',
  labels: { app: 'reviews', version: 'v2', 'service.istio.io/canonical-name': 'reviews' },
  serviceAccount: 'bookinfo-reviews',
  clusterId: 'Kubernetes',
  app: 'reviews',
  version: 'v2',
};

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

describe('peer metadata', () => {
  it('uses the header names Istio uses', () => {
    expect(PEER_METADATA_HEADER).toBe('x-envoy-peer-metadata');
    expect(PEER_METADATA_ID_HEADER).toBe('x-envoy-peer-metadata-id');
  });

  it('round-trips full and minimal metadata', () => {
    const header = encodePeerMetadata(full);
    expect(header).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodePeerMetadata(header)).toEqual(full);
    const minimal: PeerMetadata = { workloadName: 'w', namespace: 'ns', labels: {} };
    const decoded = decodePeerMetadata(encodePeerMetadata(minimal));
    expect(decoded).toEqual(minimal);
    expect(decoded !== null && 'serviceAccount' in decoded).toBe(false);
  });

  it('encodes base64 of JSON with Istio node-metadata keys', () => {
    const json = JSON.parse(Buffer.from(encodePeerMetadata(full), 'base64').toString('utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ WORKLOAD_NAME: 'reviews-v2', NAMESPACE: 'default', SERVICE_ACCOUNT: 'bookinfo-reviews', CLUSTER_ID: 'Kubernetes' });
  });

  it.each([
    ['empty', ''],
    ['not base64', '%%%not-base64%%%'],
    ['base64 of non-JSON', b64('hello there')],
    ['truncated base64', encodePeerMetadata(full).slice(0, 17)],
    ['JSON null', b64(null)],
    ['JSON array', b64([1, 2])],
    ['JSON string', b64('"x"')],
    ['missing workload', b64({ NAMESPACE: 'ns', LABELS: {} })],
    ['wrong namespace type', b64({ WORKLOAD_NAME: 'w', NAMESPACE: 7, LABELS: {} })],
    ['non-string label', b64({ WORKLOAD_NAME: 'w', NAMESPACE: 'ns', LABELS: { a: 1 } })],
    ['labels as array', b64({ WORKLOAD_NAME: 'w', NAMESPACE: 'ns', LABELS: ['a'] })],
    ['non-string optional', b64({ WORKLOAD_NAME: 'w', NAMESPACE: 'ns', LABELS: {}, APP: false })],
    ['oversized', 'A'.repeat(20_000)],
  ])('returns null for %s', (_name, header) => {
    expect(decodePeerMetadata(header)).toBeNull();
  });

  it('returns null for non-string input from untyped callers', () => {
    expect(decodePeerMetadata(undefined as unknown as string)).toBeNull();
    expect(decodePeerMetadata(42 as unknown as string)).toBeNull();
  });
});
