import { InvalidSpiffeIdError } from './errors.js';

export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/** The parts of an Istio-style workload SPIFFE ID. */
export interface SpiffeIdParts {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface SpiffeIdInput {
  readonly trustDomain?: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Which peer identities a connection accepts: an exact list, or every ID under a prefix. */
export type AllowedSpiffeIds = readonly string[] | { readonly prefix: string };

// SPIFFE spec: trust domain is lowercase letters, digits, '.', '-', '_'; path segments add
// uppercase letters. Kubernetes names are narrower still, so this never rejects a real workload.
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const PATH_SEGMENT = /^[a-zA-Z0-9._-]+$/;
const WORKLOAD_ID = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

function segmentProblem(label: string, value: string): string | null {
  if (!PATH_SEGMENT.test(value)) return `${label} ${JSON.stringify(value)} must be non-empty [A-Za-z0-9._-]`;
  if (value === '.' || value === '..') return `${label} must not be a dot segment`;
  return null;
}

/**
 * The workload identity Istio gives a pod: `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`.
 * Throws `InvalidSpiffeIdError` for parts that would make an ambiguous or illegal URI.
 */
export function spiffeIdFor(input: SpiffeIdInput): string {
  const trustDomain = input.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const candidate = `spiffe://${trustDomain}/ns/${input.namespace}/sa/${input.serviceAccount}`;
  const problem =
    (TRUST_DOMAIN.test(trustDomain) ? null : `trust domain ${JSON.stringify(trustDomain)} must be [a-z0-9._-]`) ??
    segmentProblem('namespace', input.namespace) ??
    segmentProblem('service account', input.serviceAccount);
  if (problem !== null) throw new InvalidSpiffeIdError(candidate, problem);
  return candidate;
}

/** Splits a workload SPIFFE ID into its parts; `null` for anything that is not exactly that shape. */
export function parseSpiffeId(uri: string): SpiffeIdParts | null {
  const match = WORKLOAD_ID.exec(uri);
  if (match === null) return null;
  const [, trustDomain = '', namespace = '', serviceAccount = ''] = match;
  if (!TRUST_DOMAIN.test(trustDomain)) return null;
  if (segmentProblem('', namespace) !== null || segmentProblem('', serviceAccount) !== null) return null;
  return { trustDomain, namespace, serviceAccount };
}

/** The trust domain of any `spiffe://` URI (workload or not), or `null` when it has none. */
export function trustDomainOf(uri: string): string | null {
  if (!uri.startsWith('spiffe://')) return null;
  const rest = uri.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  return TRUST_DOMAIN.test(trustDomain) ? trustDomain : null;
}

/** True when `id` is allowed: equal to one of a list, or starting with `prefix`. */
export function matchesSpiffe(id: string, allowed: AllowedSpiffeIds): boolean {
  if (isPrefixRule(allowed)) return id.startsWith(allowed.prefix);
  return allowed.includes(id);
}

/** Human-readable form of an allow rule, for error messages. */
export function describeAllowed(allowed: AllowedSpiffeIds): string {
  if (isPrefixRule(allowed)) return `an ID starting with ${allowed.prefix}`;
  return allowed.length === 0 ? '(nothing is allowed)' : allowed.join(' or ');
}

function isPrefixRule(allowed: AllowedSpiffeIds): allowed is { readonly prefix: string } {
  return !Array.isArray(allowed);
}
