import { TYPE_URLS } from '@meshkit/xds';
import type { AdsClient, EnvoyResource, TypeUrl } from '@meshkit/xds';
import type { ProxyRuntime } from './proxy-runtime.js';

/**
 * Drives the proxy from ADS in Envoy's order: CDS then EDS for the clusters it names, LDS then
 * RDS for the route configs the listeners name (the static listeners' from the start). A handler
 * that throws NACKs the update and the last good config keeps serving. `onReady` fires once the
 * first CDS and EDS answers have been applied and the first LDS listeners are bound (which waits
 * for their routes: listener warming). A first CDS or LDS answer that takes longer than its
 * `initialFetchTimeoutMs` (0: no limit) is not waited for, as Envoy's initialization goes on
 * without it.
 */
export function subscribeToAds(
  client: AdsClient,
  runtime: ProxyRuntime,
  initialFetchTimeoutMs: { readonly cds: number; readonly lds: number },
  onReady: () => void,
  log: (message: string) => void,
): void {
  const pending = new Set<string>([TYPE_URLS.cluster, TYPE_URLS.listener]);
  const subscribed = new Map<string, string>();
  let initialized = false;
  const markApplied = (typeUrl: string): void => {
    if (!pending.delete(typeUrl) || pending.size > 0 || initialized) return;
    initialized = true;
    onReady();
  };

  const giveUpAfter = (typeUrl: string, ms: number): void => {
    if (ms <= 0) return;
    setTimeout(() => {
      if (!pending.has(typeUrl)) return;
      log(`no first ${typeUrl === TYPE_URLS.cluster ? 'CDS' : 'LDS'} answer within ${ms} ms (initial_fetch_timeout); initializing without it`);
      markApplied(typeUrl);
    }, ms).unref();
  };

  const follow = (typeUrl: TypeUrl, names: string[], handler: (resources: EnvoyResource[], version: string) => void, gatesReadiness: boolean): void => {
    const key = names.join('\n');
    if (subscribed.get(typeUrl) === key) return;
    if (gatesReadiness && !initialized && !subscribed.has(typeUrl) && names.length > 0) pending.add(typeUrl);
    subscribed.set(typeUrl, key);
    if (names.length === 0) markApplied(typeUrl);
    client.watch(typeUrl, names, handler);
  };

  const onEndpoints = (resources: EnvoyResource[], version: string): void => {
    runtime.applyEndpoints(resources, version);
    markApplied(TYPE_URLS.endpoint);
  };
  const onRoutes = (resources: EnvoyResource[], version: string): void => runtime.applyRoutes(resources, version);

  client.watch(TYPE_URLS.cluster, [], (resources, version) => {
    runtime.applyClusters(resources, version, 'dynamic');
    follow(TYPE_URLS.endpoint, runtime.edsResourceNames(), onEndpoints, true);
    markApplied(TYPE_URLS.cluster);
  });
  client.watch(TYPE_URLS.listener, [], (resources, version) => {
    const bound = runtime.applyListeners(resources, version);
    // Readiness waits for the listeners to bind, and they wait for their routes (or give up on them).
    follow(TYPE_URLS.route, runtime.routeResourceNames(), onRoutes, false);
    bound.then(
      () => markApplied(TYPE_URLS.listener),
      (error: unknown) => log(`listeners: ${(error as Error).message}`),
    );
  });
  // Static listeners that name route configs are warming for them already.
  const staticRoutes = runtime.routeResourceNames();
  if (staticRoutes.length > 0) follow(TYPE_URLS.route, staticRoutes, onRoutes, false);
  giveUpAfter(TYPE_URLS.cluster, initialFetchTimeoutMs.cds);
  giveUpAfter(TYPE_URLS.listener, initialFetchTimeoutMs.lds);
}
