import { BlockList, isIPv4 } from 'node:net';
import { FilterConfigError } from './errors.js';
import type { CompiledNetworkFilter, NetworkConnectionInfo, NetworkFilter, NetworkFilterContext, NetworkFilterFactory } from './network-filter.js';

export const NETWORK_RBAC_FILTER_TYPE = 'envoy.extensions.filters.network.rbac.v3.RBAC';

type Json = Readonly<Record<string, unknown>>;
type Rule = (connection: NetworkConnectionInfo) => boolean;

/** Reads the RBAC config, refusing every field outside the subset this filter implements, by path. */
class Reader {
  constructor(
    readonly path: string,
    readonly value: Json,
  ) {}

  static of(path: string, value: unknown): Reader {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FilterConfigError(path || '(root)', 'expected an object');
    return new Reader(path, value as Json);
  }

  at(field: string): string {
    return this.path === '' ? field : `${this.path}.${field}`;
  }

  fail(field: string, reason: string): never {
    throw new FilterConfigError(this.at(field), reason);
  }

  allowOnly(...fields: string[]): this {
    for (const key of Object.keys(this.value)) {
      if (!fields.includes(key)) this.fail(key, 'is not supported by the network RBAC filter (supported: source IP, principal, destination port)');
    }
    return this;
  }

  /** The single field set on a oneof message. */
  oneof(): [string, unknown] {
    const entries = Object.entries(this.value).filter(([, v]) => v !== undefined && v !== null);
    if (entries.length !== 1) this.fail('', 'exactly one rule field must be set');
    return entries[0] as [string, unknown];
  }

  child(field: string): Reader {
    return Reader.of(this.at(field), this.value[field]);
  }

  list(field: string): Reader[] {
    const v = this.value[field] ?? [];
    if (!Array.isArray(v)) this.fail(field, 'expected a list');
    return v.map((item, i) => Reader.of(`${this.at(field)}[${i}]`, item));
  }

  string(field: string): string {
    const v = this.value[field];
    if (typeof v !== 'string') this.fail(field, 'expected a string');
    return v;
  }

  number(field: string): number {
    const v = this.value[field];
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) this.fail(field, 'expected an integer');
    return n;
  }
}

const unmapped = (ip: string): string => (ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip);

function cidrRule(range: Reader): Rule {
  range.allowOnly('address_prefix', 'prefix_len');
  const prefix = unmapped(range.string('address_prefix'));
  const family = isIPv4(prefix) ? 'ipv4' : 'ipv6';
  const len = range.value['prefix_len'] === undefined ? (family === 'ipv4' ? 32 : 128) : range.number('prefix_len');
  const list = new BlockList();
  try {
    list.addSubnet(prefix, len, family);
  } catch (error) {
    range.fail('address_prefix', (error as Error).message);
  }
  return (c) => {
    const ip = unmapped(c.remoteAddress);
    return list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  };
}

function stringMatcher(m: Reader): (value: string) => boolean {
  m.allowOnly('exact', 'prefix', 'suffix', 'contains', 'ignore_case');
  const ignoreCase = m.value['ignore_case'] === true;
  const norm = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  const [kind] = Object.entries(m.value).find(([k]) => k !== 'ignore_case') ?? m.fail('', 'one of exact, prefix, suffix, contains is required');
  const want = norm(m.string(kind));
  switch (kind) {
    case 'exact': return (v) => norm(v) === want;
    case 'prefix': return (v) => norm(v).startsWith(want);
    case 'suffix': return (v) => norm(v).endsWith(want);
    default: return (v) => norm(v).includes(want);
  }
}

const every = (rules: Rule[]): Rule => (c) => rules.every((r) => r(c));
const some = (rules: Rule[]): Rule => (c) => rules.some((r) => r(c));

function permission(p: Reader): Rule {
  const [kind, value] = p.oneof();
  switch (kind) {
    case 'any':
      return () => value === true;
    case 'destination_port': {
      const port = p.number('destination_port');
      return (c) => c.localPort === port;
    }
    case 'and_rules': return every(p.child(kind).allowOnly('rules').list('rules').map(permission));
    case 'or_rules': return some(p.child(kind).allowOnly('rules').list('rules').map(permission));
    case 'not_rule': {
      const inner = permission(p.child(kind));
      return (c) => !inner(c);
    }
    default:
      return p.fail(kind, 'is not supported by the network RBAC filter (permissions: any, destination_port, and_rules, or_rules, not_rule)');
  }
}

function principal(p: Reader): Rule {
  const [kind, value] = p.oneof();
  switch (kind) {
    case 'any':
      return () => value === true;
    case 'authenticated': {
      const auth = p.child(kind).allowOnly('principal_name');
      if (auth.value['principal_name'] === undefined) return (c) => c.peerSpiffeId !== null;
      const match = stringMatcher(auth.child('principal_name'));
      return (c) => c.peerSpiffeId !== null && match(c.peerSpiffeId);
    }
    // On a connection there is no forwarding header: all three name the downstream's address.
    case 'source_ip':
    case 'direct_remote_ip':
    case 'remote_ip':
      return cidrRule(p.child(kind));
    case 'and_ids': return every(p.child(kind).allowOnly('ids').list('ids').map(principal));
    case 'or_ids': return some(p.child(kind).allowOnly('ids').list('ids').map(principal));
    case 'not_id': {
      const inner = principal(p.child(kind));
      return (c) => !inner(c);
    }
    default:
      return p.fail(kind, 'is not supported by the network RBAC filter (principals: any, authenticated, source_ip, direct_remote_ip, remote_ip, and_ids, or_ids, not_id)');
  }
}

/** A compiled policy set: `null` rules admit every connection, as Envoy does without `rules`. */
function compileRules(config: Reader): Rule | null {
  if (config.value['rules'] === undefined) return null;
  const rules = config.child('rules').allowOnly('action', 'policies');
  const action = (rules.value['action'] as string | undefined) ?? 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') rules.fail('action', `${action} is not supported (ALLOW or DENY)`);
  const policies = rules.value['policies'] === undefined ? [] : Object.keys(rules.child('policies').value);
  const compiled = policies.map((name) => {
    const policy = rules.child('policies').child(name).allowOnly('permissions', 'principals');
    const permissions = some(policy.list('permissions').map(permission));
    const principals = some(policy.list('principals').map(principal));
    return (c: NetworkConnectionInfo) => permissions(c) && principals(c);
  });
  const matched = some(compiled);
  return action === 'ALLOW' ? matched : (c) => !matched(c);
}

/** Envoy's network RBAC filter, over the source IP, SPIFFE principal and destination port of a connection. */
export function networkRbacFilterFactory(): NetworkFilterFactory {
  return {
    typeName: NETWORK_RBAC_FILTER_TYPE,
    compile(raw): CompiledNetworkFilter {
      const config = Reader.of('', raw).allowOnly('@type', 'stat_prefix', 'rules');
      const statPrefix = config.string('stat_prefix');
      const admits = compileRules(config);
      const counters = { allowed: 0, denied: 0 };
      return {
        name: 'envoy.filters.network.rbac',
        stats: { prefix: `${statPrefix.endsWith('.') || statPrefix === '' ? statPrefix : `${statPrefix}.`}rbac.`, counters },
        create: (ctx: NetworkFilterContext): NetworkFilter => ({
          // The decision needs nothing but the connection, so it is taken before any byte is read.
          onNewConnection: () => {
            if (admits === null || admits(ctx.connection)) {
              counters.allowed++;
              return 'continue';
            }
            counters.denied++;
            ctx.close('now');
            return 'stop';
          },
        }),
      };
    },
  };
}
