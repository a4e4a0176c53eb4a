import type { PlainRecord } from '../plain-json.js';
import type { FieldChecker } from './field-checker.js';

/** networking.istio.io DestinationRule: host, subsets, and the traffic-policy fields checked so far. */
export function checkDestinationRule(check: FieldChecker, spec: PlainRecord): void {
  check.string(spec['host'], 'spec.host', true);
  checkTrafficPolicy(check, spec['trafficPolicy'], 'spec.trafficPolicy');
  const subsets = check.array(spec['subsets'], 'spec.subsets');
  const seen = new Map<string, number>();
  subsets?.forEach((value, i) => {
    const path = `spec.subsets[${i}]`;
    const subset = check.record(value, path, true);
    if (!subset) return;
    const name = check.dnsLabel(subset['name'], `${path}.name`, true);
    if (name !== undefined) {
      const first = seen.get(name);
      if (first !== undefined) check.report(`${path}.name`, `duplicate subset name ${JSON.stringify(name)} (first at spec.subsets[${first}])`);
      else seen.set(name, i);
    }
    check.stringMap(subset['labels'], `${path}.labels`);
    checkTrafficPolicy(check, subset['trafficPolicy'], `${path}.trafficPolicy`);
  });
}

function checkTrafficPolicy(check: FieldChecker, value: unknown, path: string): void {
  const policy = check.record(value, path);
  if (!policy) return;
  const loadBalancer = check.record(policy['loadBalancer'], `${path}.loadBalancer`);
  if (!loadBalancer) return;
  const warmup = check.record(loadBalancer['warmup'], `${path}.loadBalancer.warmup`);
  if (warmup) {
    check.duration(warmup['duration'], `${path}.loadBalancer.warmup.duration`, true);
    check.number(warmup['minimumPercent'], `${path}.loadBalancer.warmup.minimumPercent`, 0, 100);
    check.number(warmup['aggression'], `${path}.loadBalancer.warmup.aggression`, 0);
  }
  check.duration(loadBalancer['warmupDurationSecs'], `${path}.loadBalancer.warmupDurationSecs`);
}
