import { describe, expect, it } from 'vitest';
import { parseProxyNode } from './proxy-node.js';
import { spiffeIdOf, workloadInstanceOf } from './workload-instance.js';

describe('parseProxyNode', () => {
  it("reads a sidecar from Istio's id and metadata", () => {
    const proxy = parseProxyNode({
      id: 'sidecar~127.10.1.3~reviews-v2.default~default.svc.cluster.local',
      cluster: 'reviews.default',
      metadata: {
        NAMESPACE: 'default',
        LABELS: { app: 'reviews', version: 'v2' },
        SERVICE_ACCOUNT: 'bookinfo-reviews',
        WORKLOAD_NAME: 'reviews-v2',
        INSTANCE_IPS: '127.10.1.3',
        CLUSTER_ID: 'Kubernetes',
        MESHKIT_LOCAL_ADDRESS: '127.10.2.3',
      },
    });
    expect(proxy).toEqual({
      type: 'sidecar',
      id: 'sidecar~127.10.1.3~reviews-v2.default~default.svc.cluster.local',
      ip: '127.10.1.3',
      localAddress: '127.10.2.3',
      namespace: 'default',
      workloadName: 'reviews-v2',
      serviceAccount: 'bookinfo-reviews',
      labels: { app: 'reviews', version: 'v2' },
    });
    expect(proxy && workloadInstanceOf(proxy)).toEqual({
      name: 'reviews-v2',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v2' },
      serviceAccount: 'bookinfo-reviews',
      ip: '127.10.1.3',
    });
    expect(proxy && spiffeIdOf(workloadInstanceOf(proxy))).toBe('spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
  });

  it('falls back to the id for namespace and workload, and to the default service account', () => {
    const proxy = parseProxyNode({ id: 'router~127.10.0.2~istio-ingressgateway.istio-system~istio-system.svc.cluster.local' });
    expect(proxy).toEqual({
      type: 'router',
      id: 'router~127.10.0.2~istio-ingressgateway.istio-system~istio-system.svc.cluster.local',
      ip: '127.10.0.2',
      namespace: 'istio-system',
      workloadName: 'istio-ingressgateway',
      serviceAccount: 'default',
      labels: {},
    });
  });

  it('unwraps metadata given as a protobuf Struct message', () => {
    const proxy = parseProxyNode({
      id: 'sidecar~127.10.1.1~productpage-v1.default~default.svc.cluster.local',
      metadata: {
        fields: {
          SERVICE_ACCOUNT: { kind: 'stringValue', stringValue: 'bookinfo-productpage' },
          LABELS: { kind: 'structValue', structValue: { fields: { app: { stringValue: 'productpage' } } } },
          MESHKIT_LOCAL_ADDRESS: { stringValue: '127.10.2.1' },
        },
      },
    });
    expect(proxy?.serviceAccount).toBe('bookinfo-productpage');
    expect(proxy?.labels).toEqual({ app: 'productpage' });
    expect(proxy?.localAddress).toBe('127.10.2.1');
  });

  it('answers null for ids that do not follow the convention', () => {
    expect(parseProxyNode({ id: 'envoy-1' })).toBeNull();
    expect(parseProxyNode({ id: 'ztunnel~127.0.0.1~a.b~b.svc.cluster.local' })).toBeNull();
    expect(parseProxyNode({ id: 'sidecar~not-an-ip~a.default~default.svc.cluster.local' })).toBeNull();
    expect(parseProxyNode({ id: 'sidecar~127.0.0.1~nonamespace~default.svc.cluster.local' })).toBeNull();
  });

  it('ignores a local address on a gateway, which has none', () => {
    const proxy = parseProxyNode({
      id: 'router~127.10.0.2~gw.istio-system~istio-system.svc.cluster.local',
      metadata: { MESHKIT_LOCAL_ADDRESS: '127.10.2.9' },
    });
    expect(proxy && 'localAddress' in proxy).toBe(false);
  });
});
