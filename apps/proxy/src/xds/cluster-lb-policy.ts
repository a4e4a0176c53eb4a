import type { ClusterOptions } from '@meshkit/upstream';
import type { FieldReader } from './fields.js';
import { optionalInteger } from './cluster-values.js';

/** The balancing settings `ClusterOptions` takes, as read from an Envoy `Cluster`. */
export type LoadBalancing = Pick<ClusterOptions, 'lbPolicy' | 'leastRequest' | 'ringHash' | 'maglev' | 'panicThresholdPercent' | 'localityWeighted'>;

type LbPolicy = NonNullable<ClusterOptions['lbPolicy']>;

const POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];

/** Each policy's own config field: given for another policy it would be silently ignored, so it is refused. */
const POLICY_CONFIG: Readonly<Record<string, LbPolicy>> = {
  least_request_lb_config: 'LEAST_REQUEST',
  ring_hash_lb_config: 'RING_HASH',
  maglev_lb_config: 'MAGLEV',
};

// Envoy's bounds: ring sizes up to 8M entries; a Maglev table must be a prime up to 5000011.
const MAX_RING_SIZE = 8 * 1024 * 1024;
const MAX_MAGLEV_TABLE = 5_000_011;

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

function readLeastRequest(config: FieldReader): LoadBalancing {
  config.allowOnly('choice_count');
  const choiceCount = optionalInteger(config, 'choice_count', 2);
  return { lbPolicy: 'LEAST_REQUEST', ...(choiceCount === undefined ? {} : { leastRequest: { choiceCount } }) };
}

function readRingHash(config: FieldReader): LoadBalancing {
  config.allowOnly('minimum_ring_size', 'maximum_ring_size', 'hash_function');
  // Placement is meshkit's own hash either way; only the default name is accepted, so a config
  // asking for Murmur (to match other proxies' placement) is not silently given something else.
  const hash = config.optionalString('hash_function') ?? 'XX_HASH';
  if (hash !== 'XX_HASH') config.fail('hash_function', `${hash} is not supported (XX_HASH is)`);
  const minRingSize = optionalInteger(config, 'minimum_ring_size', 1, MAX_RING_SIZE);
  const maxRingSize = optionalInteger(config, 'maximum_ring_size', 1, MAX_RING_SIZE);
  if ((minRingSize ?? 1024) > (maxRingSize ?? MAX_RING_SIZE)) config.fail('minimum_ring_size', 'must not exceed maximum_ring_size');
  const ringHash = { ...(minRingSize === undefined ? {} : { minRingSize }), ...(maxRingSize === undefined ? {} : { maxRingSize }) };
  return { lbPolicy: 'RING_HASH', ...(Object.keys(ringHash).length === 0 ? {} : { ringHash }) };
}

function readMaglev(config: FieldReader): LoadBalancing {
  config.allowOnly('table_size');
  const tableSize = optionalInteger(config, 'table_size', 2, MAX_MAGLEV_TABLE);
  if (tableSize !== undefined && !isPrime(tableSize)) config.fail('table_size', `must be a prime number, got ${tableSize}`);
  return { lbPolicy: 'MAGLEV', ...(tableSize === undefined ? {} : { maglev: { tableSize } }) };
}

/** `lb_policy` with its `*_lb_config`. */
export function readLbPolicy(cluster: FieldReader): LoadBalancing {
  const declared = cluster.optionalString('lb_policy') ?? 'ROUND_ROBIN';
  if (!(POLICIES as readonly string[]).includes(declared)) {
    cluster.fail('lb_policy', `${declared} is not supported yet (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH and MAGLEV are)`);
  }
  const policy = declared as LbPolicy;
  for (const [field, owner] of Object.entries(POLICY_CONFIG)) {
    if (cluster.has(field) && owner !== policy) cluster.fail(field, `applies only to lb_policy ${owner} (this cluster's is ${policy})`);
  }
  const leastRequest = cluster.optionalChild('least_request_lb_config');
  const ringHash = cluster.optionalChild('ring_hash_lb_config');
  const maglev = cluster.optionalChild('maglev_lb_config');
  if (leastRequest !== undefined) return readLeastRequest(leastRequest);
  if (ringHash !== undefined) return readRingHash(ringHash);
  if (maglev !== undefined) return readMaglev(maglev);
  return { lbPolicy: policy };
}

/** What `common_lb_config` sets: the panic threshold, and holding new hosts until their first health check. */
export interface CommonLbConfig {
  readonly panicThresholdPercent?: number;
  readonly ignoreNewHostsUntilFirstCheck?: boolean;
  /** `locality_weighted_lb_config`: split each priority across localities by their EDS weights. */
  readonly localityWeighted?: boolean;
}

export function readCommonLbConfig(cluster: FieldReader): CommonLbConfig {
  const common = cluster.optionalChild('common_lb_config');
  if (common === undefined) return {};
  // Zone awareness needs the proxy's own cluster's members per zone (Envoy's local cluster), which it has no source for.
  if (common.has('zone_aware_lb_config')) common.fail('zone_aware_lb_config', 'is not supported yet: it needs a local cluster, which this proxy has no source for');
  common.allowOnly('healthy_panic_threshold', 'ignore_new_hosts_until_first_hc', 'locality_weighted_lb_config');
  const localityWeighted = common.optionalChild('locality_weighted_lb_config')?.allowOnly() !== undefined;
  const threshold = common.optionalChild('healthy_panic_threshold')?.allowOnly('value');
  // type.v3.Percent: an absent value is 0, which turns panic routing off.
  const percent = threshold === undefined ? undefined : (threshold.optionalNumber('value') ?? 0);
  if (percent !== undefined && !(percent >= 0 && percent <= 100)) common.fail('healthy_panic_threshold.value', `must be in 0..100, got ${percent}`);
  const ignoreNewHosts = common.boolean('ignore_new_hosts_until_first_hc', false);
  return {
    ...(percent === undefined ? {} : { panicThresholdPercent: percent }),
    ...(ignoreNewHosts ? { ignoreNewHostsUntilFirstCheck: true } : {}),
    ...(localityWeighted ? { localityWeighted: true } : {}),
  };
}
