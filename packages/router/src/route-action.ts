import { toAsciiLowerCase } from './ascii.js';
import type { RouteActionInput } from './route-action-input.js';
import type { RedirectInput, RouteInput } from './route-config-input.js';
import { compileRegexRewrite } from './regex-rewrite.js';
import { compileHashPolicy, compileMirrorPolicy, compileRetryPolicy, compileCorsPolicy } from './route-policy-compilers.js';
import type { CompiledRedirect, CompiledRegexRewrite, CorsPolicy, HashPolicy, HostRewrite, MaxStreamDuration, RequestMirrorPolicy, RetryPolicy } from './route-policies.js';
import type { RouteAction } from './route-table.js';
import type { MatcherProblem } from './string-matcher.js';
import { compileWeightedClusters } from './weighted-clusters-compiler.js';
import type { WeightedClusterDraft } from './weighted-clusters-compiler.js';

/** Envoy's route timeout when none is configured. */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

/** Everything a route does, validated; weighted clusters still lack the route's header chain. */
export interface CompiledActionParts {
  action: RouteAction;
  weightedClusters: readonly WeightedClusterDraft[] | undefined;
  redirect: CompiledRedirect | undefined;
  prefixRewrite: string | undefined;
  regexRewrite: CompiledRegexRewrite | undefined;
  hostRewrite: HostRewrite | undefined;
  timeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  maxStreamDuration: MaxStreamDuration | undefined;
  maxGrpcTimeoutMs: number | undefined;
  grpcTimeoutOffsetMs: number | undefined;
  retryPolicy: RetryPolicy | undefined;
  hashPolicy: readonly HashPolicy[];
  requestMirrorPolicies: readonly RequestMirrorPolicy[];
  cors: CorsPolicy | undefined;
}

export type RouteActionResult = ({ ok: true } & CompiledActionParts) | MatcherProblem;

const NONE: CompiledActionParts = Object.freeze({
  action: { type: 'direct' as const, status: 200, body: undefined },
  weightedClusters: undefined,
  redirect: undefined,
  prefixRewrite: undefined,
  regexRewrite: undefined,
  hostRewrite: undefined,
  timeoutMs: undefined,
  idleTimeoutMs: undefined,
  maxStreamDuration: undefined,
  maxGrpcTimeoutMs: undefined,
  grpcTimeoutOffsetMs: undefined,
  retryPolicy: undefined,
  hashPolicy: Object.freeze([]),
  requestMirrorPolicies: Object.freeze([]),
  cors: undefined,
});

function exactlyOne(names: readonly string[], given: readonly string[]): MatcherProblem | undefined {
  if (given.length === 1) return undefined;
  const state = given.length === 0 ? 'none is set' : `${given.join(' and ')} are all set`;
  return { ok: false, field: '', problem: `exactly one of ${names.join(', ')} is required; ${state}` };
}

/** Compiles what a route does; a problem's field is relative to the route. */
export function compileRouteAction(input: RouteInput): RouteActionResult {
  const kinds = ['route', 'redirect', 'directResponse'] as const;
  const conflict = exactlyOne(kinds, kinds.filter((kind) => input[kind] !== undefined));
  if (conflict !== undefined) return conflict;
  if (input.directResponse !== undefined) {
    const { status, body } = input.directResponse;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      return { ok: false, field: '.directResponse.status', problem: `status must be an integer from 200 to 599, not ${status}` };
    }
    return { ok: true, ...NONE, action: Object.freeze({ type: 'direct', status, body }) };
  }
  if (input.redirect !== undefined) {
    const redirect = compileRedirect(input.redirect);
    if (!redirect.ok) return { ...redirect, field: `.redirect${redirect.field}` };
    const action = Object.freeze({ type: 'direct' as const, status: redirect.redirect.responseCode, body: undefined });
    return { ok: true, ...NONE, action, redirect: redirect.redirect };
  }
  const forwarded = compileForwardAction(input.route ?? {});
  return forwarded.ok ? forwarded : { ...forwarded, field: `.route${forwarded.field}` };
}

function compileForwardAction(input: RouteActionInput): RouteActionResult {
  const targets = ['cluster', 'clusterHeader', 'weightedClusters'] as const;
  const conflict = exactlyOne(targets, targets.filter((key) => input[key] !== undefined));
  if (conflict !== undefined) return conflict;
  let action: RouteAction;
  let weightedClusters: readonly WeightedClusterDraft[] | undefined;
  if (input.cluster !== undefined) {
    if (input.cluster.length === 0) return { ok: false, field: '.cluster', problem: 'cluster must not be empty' };
    action = Object.freeze({ type: 'cluster', cluster: input.cluster });
  } else if (input.clusterHeader !== undefined) {
    if (input.clusterHeader.length === 0) return { ok: false, field: '.clusterHeader', problem: 'clusterHeader must not be empty' };
    action = Object.freeze({ type: 'cluster', cluster: '', clusterHeader: toAsciiLowerCase(input.clusterHeader) });
  } else {
    const weighted = compileWeightedClusters(input.weightedClusters?.clusters ?? []);
    if (!weighted.ok) return { ...weighted, field: `.weightedClusters${weighted.field}` };
    weightedClusters = weighted.clusters;
    // The action's cluster list is filled in once the route's header chain is known.
    action = { type: 'weighted', clusters: [], totalWeight: weighted.totalWeight };
  }
  if (input.prefixRewrite !== undefined && input.regexRewrite !== undefined) {
    return { ok: false, field: '', problem: 'at most one of prefixRewrite and regexRewrite may be set; both are' };
  }
  let regexRewrite: CompiledRegexRewrite | undefined;
  if (input.regexRewrite !== undefined) {
    const compiled = compileRegexRewrite(input.regexRewrite);
    if (!compiled.ok) return { ...compiled, field: `.regexRewrite${compiled.field}` };
    regexRewrite = compiled.rewrite;
  }
  if (input.hostRewriteLiteral !== undefined && input.autoHostRewrite !== undefined) {
    return { ok: false, field: '', problem: 'at most one of hostRewriteLiteral and autoHostRewrite may be set; both are' };
  }
  let hostRewrite: HostRewrite | undefined;
  if (input.hostRewriteLiteral !== undefined) {
    if (input.hostRewriteLiteral.length === 0) return { ok: false, field: '.hostRewriteLiteral', problem: 'must not be empty' };
    hostRewrite = Object.freeze({ type: 'literal', host: input.hostRewriteLiteral });
  } else if (input.autoHostRewrite === true) hostRewrite = Object.freeze({ type: 'auto' });
  const timeoutMs = input.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    return { ok: false, field: '.timeoutMs', problem: `timeoutMs must be a finite number >= 0, not ${timeoutMs}` };
  }
  const idleTimeoutMs = input.idleTimeoutMs;
  if (idleTimeoutMs !== undefined && (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0)) {
    return { ok: false, field: '.idleTimeoutMs', problem: `idleTimeoutMs must be a finite number >= 0, not ${idleTimeoutMs}` };
  }
  const stream = input.maxStreamDuration ?? {};
  const durations: [field: string, value: number | undefined][] = [
    ['maxStreamDuration.maxStreamDurationMs', stream.maxStreamDurationMs],
    ['maxStreamDuration.grpcTimeoutHeaderMaxMs', stream.grpcTimeoutHeaderMaxMs],
    ['maxStreamDuration.grpcTimeoutHeaderOffsetMs', stream.grpcTimeoutHeaderOffsetMs],
    ['maxGrpcTimeoutMs', input.maxGrpcTimeoutMs],
    ['grpcTimeoutOffsetMs', input.grpcTimeoutOffsetMs],
  ];
  for (const [field, value] of durations) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) return { ok: false, field: `.${field}`, problem: `must be a finite number >= 0, not ${String(value)}` };
  }
  const maxStreamDuration = input.maxStreamDuration === undefined ? undefined : Object.freeze({ ...input.maxStreamDuration });
  const policies = compilePolicies(input);
  if (!policies.ok) return policies;
  const grpcTimeouts = { maxGrpcTimeoutMs: input.maxGrpcTimeoutMs, grpcTimeoutOffsetMs: input.grpcTimeoutOffsetMs };
  return { ok: true, action, weightedClusters, redirect: undefined, prefixRewrite: input.prefixRewrite, regexRewrite, hostRewrite, timeoutMs, idleTimeoutMs, maxStreamDuration, ...grpcTimeouts, ...policies.value };
}

type Policies = Pick<CompiledActionParts, 'retryPolicy' | 'hashPolicy' | 'requestMirrorPolicies' | 'cors'>;

function compilePolicies(input: RouteActionInput): { ok: true; value: Policies } | MatcherProblem {
  let retryPolicy: RetryPolicy | undefined;
  if (input.retryPolicy !== undefined) {
    const compiled = compileRetryPolicy(input.retryPolicy);
    if (!compiled.ok) return { ...compiled, field: `.retryPolicy${compiled.field}` };
    retryPolicy = compiled.value;
  }
  let cors: CorsPolicy | undefined;
  if (input.cors !== undefined) {
    const compiled = compileCorsPolicy(input.cors);
    if (!compiled.ok) return { ...compiled, field: `.cors${compiled.field}` };
    cors = compiled.value;
  }
  const hashPolicy: HashPolicy[] = [];
  for (const [i, policy] of (input.hashPolicy ?? []).entries()) {
    const compiled = compileHashPolicy(policy);
    if (!compiled.ok) return { ...compiled, field: `.hashPolicy[${i}]${compiled.field}` };
    hashPolicy.push(compiled.value);
  }
  const requestMirrorPolicies: RequestMirrorPolicy[] = [];
  for (const [i, policy] of (input.requestMirrorPolicies ?? []).entries()) {
    const compiled = compileMirrorPolicy(policy);
    if (!compiled.ok) return { ...compiled, field: `.requestMirrorPolicies[${i}]${compiled.field}` };
    requestMirrorPolicies.push(compiled.value);
  }
  return { ok: true, value: { retryPolicy, cors, hashPolicy: Object.freeze(hashPolicy), requestMirrorPolicies: Object.freeze(requestMirrorPolicies) } };
}

const RESPONSE_CODES = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 } as const;

function compileRedirect(input: RedirectInput): { ok: true; redirect: CompiledRedirect } | MatcherProblem {
  if (input.httpsRedirect !== undefined && input.schemeRedirect !== undefined) {
    return { ok: false, field: '', problem: 'at most one of httpsRedirect and schemeRedirect may be set; both are' };
  }
  const paths = (['pathRedirect', 'prefixRewrite', 'regexRewrite'] as const).filter((key) => input[key] !== undefined);
  if (paths.length > 1) return { ok: false, field: '', problem: `at most one of pathRedirect, prefixRewrite, regexRewrite may be set; ${paths.join(' and ')} are` };
  const port = input.portRedirect;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    return { ok: false, field: '.portRedirect', problem: `must be a port 0-65535, not ${port}` };
  }
  const responseCode = RESPONSE_CODES[input.responseCode ?? 'MOVED_PERMANENTLY'] as CompiledRedirect['responseCode'] | undefined;
  if (responseCode === undefined) return { ok: false, field: '.responseCode', problem: `unknown response code ${String(input.responseCode)}` };
  if (input.schemeRedirect !== undefined && !/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(input.schemeRedirect)) {
    return { ok: false, field: '.schemeRedirect', problem: `'${input.schemeRedirect}' is not a URI scheme` };
  }
  let regexRewrite: CompiledRegexRewrite | undefined;
  if (input.regexRewrite !== undefined) {
    const compiled = compileRegexRewrite(input.regexRewrite);
    if (!compiled.ok) return { ...compiled, field: `.regexRewrite${compiled.field}` };
    regexRewrite = compiled.rewrite;
  }
  const scheme = input.httpsRedirect === true ? 'https' : input.schemeRedirect === undefined ? undefined : toAsciiLowerCase(input.schemeRedirect);
  return {
    ok: true,
    redirect: Object.freeze({
      scheme,
      host: input.hostRedirect === '' ? undefined : input.hostRedirect,
      // Envoy reads a port of 0 as "not set".
      port: port === 0 ? undefined : port,
      pathRedirect: input.pathRedirect === '' ? undefined : input.pathRedirect,
      prefixRewrite: input.prefixRewrite,
      regexRewrite,
      responseCode,
      stripQuery: input.stripQuery === true,
    }),
  };
}
