import { defineError } from '@meshkit/core';
import type { MeshkitErrorOptions } from '@meshkit/core';

const RouteConfigErrorBase = defineError(
  'MESHKIT_ROUTE_CONFIG',
  'RouteConfigError',
  (routeConfigName: string, field: string, problem: string) =>
    `route config '${routeConfigName}': ${field}: ${problem}`,
);

/**
 * A route configuration that cannot be compiled. `field` is the path of the offending input
 * field (`virtualHosts[1].routes[0].match.safeRegex.regex`), so the caller can point at the
 * exact line of the source it was translated from.
 */
export class RouteConfigError extends RouteConfigErrorBase {
  readonly routeConfigName: string;
  readonly field: string;
  readonly problem: string;

  constructor(routeConfigName: string, field: string, problem: string, options?: MeshkitErrorOptions) {
    super(routeConfigName, field, problem, options);
    this.routeConfigName = routeConfigName;
    this.field = field;
    this.problem = problem;
  }
}
