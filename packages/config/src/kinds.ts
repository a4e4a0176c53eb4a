/** The kinds this package understands; anything else is kept as-is but not validated or modelled. */
export type KnownKind = 'VirtualService' | 'DestinationRule' | 'Gateway' | 'Service' | 'ServiceAccount' | 'Deployment' | 'Namespace';

const ISTIO_NETWORKING_VERSIONS = new Set(['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3']);
const ISTIO_NETWORKING_KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway']);
const CORE_V1_KINDS = new Set(['Service', 'ServiceAccount', 'Namespace']);

export function knownKindOf(resource: { readonly apiVersion: string; readonly kind: string }): KnownKind | undefined {
  const { apiVersion, kind } = resource;
  if (ISTIO_NETWORKING_VERSIONS.has(apiVersion) && ISTIO_NETWORKING_KINDS.has(kind)) return kind as KnownKind;
  if (apiVersion === 'v1' && CORE_V1_KINDS.has(kind)) return kind as KnownKind;
  if (apiVersion === 'apps/v1' && kind === 'Deployment') return 'Deployment';
  return undefined;
}

/** Kinds whose objects live outside any namespace. */
export function isClusterScoped(kind: string): boolean {
  return kind === 'Namespace';
}
