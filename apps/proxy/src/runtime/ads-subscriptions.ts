import { TYPE_URLS } from '@meshkit/xds';
import type { AdsClient, EnvoyResource, TypeUrl } from '@meshkit/xds';
import type { ProxyRuntime } from './proxy-runtime.js';

/**
 * Drives the proxy from ADS in Envoy's order: CDS then EDS for the clusters it names, LDS then
 * RDS for the route configs the listeners name. A handler that throws NACKs the update and the
 * last good config keeps serving. `onReady` fires once every first answer has been applied.
 */
export function subscribeToAds(client: AdsClient, runtime: ProxyRuntime, onReady: () => void, log: (message: string) => void): void {
  const pending = new Set<string>([TYPE_URLS.cluster, TYPE_URLS.listener]);
  const subscribed = new Map<string, string>();
  const markApplied = (typeUrl: string): void => {
    if (pending.delete(typeUrl) && pending.size === 0) onReady();
  };

  const follow = (typeUrl: TypeUrl, names: string[], handler: (resources: EnvoyResource[], version: string) => void): void => {
    const key = names.join('\n');
    if (subscribed.get(typeUrl) === key) return;
    if (!subscribed.has(typeUrl) && names.length > 0) pending.add(typeUrl);
    subscribed.set(typeUrl, key);
    if (names.length === 0) markApplied(typeUrl);
    client.watch(typeUrl, names, handler);
  };

  const onEndpoints = (resources: EnvoyResource[], version: string): void => {
    runtime.applyEndpoints(resources, version);
    markApplied(TYPE_URLS.endpoint);
  };
  const onRoutes = (resources: EnvoyResource[], version: string): void => {
    runtime.applyRoutes(resources, version);
    markApplied(TYPE_URLS.route);
  };

  client.watch(TYPE_URLS.cluster, [], (resources, version) => {
    runtime.applyClusters(resources, version, 'dynamic');
    follow(TYPE_URLS.endpoint, runtime.edsResourceNames(), onEndpoints);
    markApplied(TYPE_URLS.cluster);
  });
  client.watch(TYPE_URLS.listener, [], (resources, version) => {
    const bound = runtime.applyListeners(resources, version);
    follow(TYPE_URLS.route, runtime.routeResourceNames(), onRoutes);
    bound.then(
      () => markApplied(TYPE_URLS.listener),
      (error: unknown) => log(`listeners: ${(error as Error).message}`),
    );
  });
}
