import type { RequestMatcher } from './request-matcher.js';
import type { RequestView } from './request-view.js';
import type { RuntimeFraction } from './route-policies.js';
import { fractionSelects } from './runtime-fraction.js';

const GRPC_CONTENT_TYPE = 'application/grpc';
const PLUS = 43;

/**
 * Envoy's `grpc: {}` route match: content-type exactly `application/grpc` or starting with
 * `application/grpc+` (so `application/grpc-web` is not gRPC). HOT PATH: no allocation.
 */
export class GrpcMatcher implements RequestMatcher {
  matches(view: RequestView): boolean {
    const raw = view.request.headers['content-type'];
    const value = typeof raw === 'string' ? raw : raw?.[0];
    if (value === undefined || !value.startsWith(GRPC_CONTENT_TYPE)) return false;
    return value.length === GRPC_CONTENT_TYPE.length || value.charCodeAt(GRPC_CONTENT_TYPE.length) === PLUS;
  }
}

/** Envoy's route `runtime_fraction`: decided by the request's random value. HOT PATH: no allocation. */
export class RuntimeFractionMatcher implements RequestMatcher {
  constructor(private readonly fraction: RuntimeFraction) {}

  matches(view: RequestView): boolean {
    return fractionSelects(this.fraction, view.random());
  }
}
