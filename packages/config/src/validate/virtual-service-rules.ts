import type { PlainRecord } from '../plain-json.js';
import type { FieldChecker } from './field-checker.js';

const STRING_MATCH_KINDS = ['exact', 'prefix', 'regex'] as const;

/** networking.istio.io VirtualService: hosts, gateways and the HTTP routes the compiler uses. */
export function checkVirtualService(check: FieldChecker, spec: PlainRecord): void {
  const hosts = check.array(spec['hosts'], 'spec.hosts', { required: true, nonEmpty: true });
  hosts?.forEach((host, i) => check.string(host, `spec.hosts[${i}]`, true));
  const gateways = check.array(spec['gateways'], 'spec.gateways');
  gateways?.forEach((gateway, i) => check.string(gateway, `spec.gateways[${i}]`, true));
  const http = check.array(spec['http'], 'spec.http');
  http?.forEach((rule, i) => checkHttpRoute(check, rule, `spec.http[${i}]`));
}

function checkHttpRoute(check: FieldChecker, value: unknown, path: string): void {
  const rule = check.record(value, path, true);
  if (!rule) return;
  check.string(rule['name'], `${path}.name`);
  const matches = check.array(rule['match'], `${path}.match`);
  matches?.forEach((match, i) => checkMatchRequest(check, match, `${path}.match[${i}]`));

  // A rule must say what to do with the request; redirects and direct responses are kept for later compilers.
  const hasOtherAction = rule['redirect'] !== undefined || rule['directResponse'] !== undefined || rule['delegate'] !== undefined;
  const routes = check.array(rule['route'], `${path}.route`, { required: !hasOtherAction, nonEmpty: !hasOtherAction });
  if (routes) checkDestinations(check, routes, `${path}.route`);

  const rewrite = check.record(rule['rewrite'], `${path}.rewrite`);
  if (rewrite) {
    check.string(rewrite['uri'], `${path}.rewrite.uri`);
    check.string(rewrite['authority'], `${path}.rewrite.authority`);
    if (rewrite['uri'] === undefined && rewrite['authority'] === undefined && rewrite['uriRegexRewrite'] === undefined) {
      check.report(`${path}.rewrite`, 'must set uri, uriRegexRewrite or authority');
    }
  }
  check.duration(rule['timeout'], `${path}.timeout`);
}

function checkMatchRequest(check: FieldChecker, value: unknown, path: string): void {
  const match = check.record(value, path, true);
  if (!match) return;
  check.string(match['name'], `${path}.name`);
  if (match['uri'] !== undefined) checkStringMatch(check, match['uri'], `${path}.uri`);
  if (match['method'] !== undefined) checkStringMatch(check, match['method'], `${path}.method`);
  if (match['authority'] !== undefined) checkStringMatch(check, match['authority'], `${path}.authority`);
  for (const mapField of ['headers', 'queryParams'] as const) {
    const entries = check.record(match[mapField], `${path}.${mapField}`);
    if (!entries) continue;
    for (const [name, entry] of Object.entries(entries)) {
      if (name === '') check.report(`${path}.${mapField}`, 'names must not be empty');
      checkStringMatch(check, entry, `${path}.${mapField}.${name}`);
    }
  }
  check.port(match['port'], `${path}.port`);
  check.boolean(match['ignoreUriCase'], `${path}.ignoreUriCase`);
  check.stringMap(match['sourceLabels'], `${path}.sourceLabels`);
  const gateways = check.array(match['gateways'], `${path}.gateways`);
  gateways?.forEach((gateway, i) => check.string(gateway, `${path}.gateways[${i}]`, true));
}

/** Istio's StringMatch: exactly one of exact, prefix or regex. */
function checkStringMatch(check: FieldChecker, value: unknown, path: string): void {
  const match = check.record(value, path, true);
  if (!match) return;
  const present = STRING_MATCH_KINDS.filter((kind) => match[kind] !== undefined);
  if (present.length !== 1) {
    check.report(path, 'must set exactly one of exact, prefix or regex');
    return;
  }
  const [kind] = present;
  if (kind === 'regex') check.regex(match['regex'], `${path}.regex`);
  else if (kind !== undefined) check.string(match[kind], `${path}.${kind}`);
}

function checkDestinations(check: FieldChecker, routes: unknown[], path: string): void {
  let total = 0;
  let allWeightsValid = true;
  routes.forEach((value, i) => {
    const route = check.record(value, `${path}[${i}]`, true);
    if (!route) {
      allWeightsValid = false;
      return;
    }
    const destination = check.record(route['destination'], `${path}[${i}].destination`, true);
    if (destination) {
      check.string(destination['host'], `${path}[${i}].destination.host`, true);
      check.dnsLabel(destination['subset'], `${path}[${i}].destination.subset`);
      const port = check.record(destination['port'], `${path}[${i}].destination.port`);
      if (port) check.port(port['number'], `${path}[${i}].destination.port.number`, true);
    }
    const weight = check.integer(route['weight'], `${path}[${i}].weight`, 0, 100);
    if (route['weight'] !== undefined && weight === undefined) allWeightsValid = false;
    total += weight ?? 0;
  });
  // Only a sum of valid weights is worth reporting; a single destination takes all traffic anyway.
  if (routes.length > 1 && allWeightsValid && total !== 100) {
    check.report(path, `weights must sum to 100, not ${total}`);
  }
}
