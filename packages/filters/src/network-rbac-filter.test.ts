import { describe, expect, it } from 'vitest';
import { networkRbacFilterFactory } from './network-rbac-filter.js';
import type { NetworkConnectionInfo, NetworkFilterContext } from './network-filter.js';

function connection(overrides: Partial<NetworkConnectionInfo> = {}): NetworkConnectionInfo {
  return { remoteAddress: '10.1.2.3', remotePort: 5555, localAddress: '127.0.0.1', localPort: 9000, peerSpiffeId: null, requestedServerName: '', responseFlags: [], ...overrides };
}

/** Runs the filter's decision for one connection; true when it let the connection through. */
function admits(config: Record<string, unknown>, info: NetworkConnectionInfo): boolean {
  let closed = false;
  const ctx = { connection: info, close: () => (closed = true) } as unknown as NetworkFilterContext;
  const status = networkRbacFilterFactory().compile(config, { listenerName: 'l' }).create(ctx).onNewConnection?.();
  expect(status === 'stop').toBe(closed);
  return !closed;
}

const policy = (permissions: unknown[], principals: unknown[]) => ({ permissions, principals });

describe('network RBAC filter', () => {
  it('ALLOW admits only connections some policy matches (port and principal together)', () => {
    const config = {
      stat_prefix: 'tcp.',
      rules: {
        action: 'ALLOW',
        policies: {
          reviews: policy([{ destination_port: 9000 }], [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/default/sa/reviews' } } }]),
          office: policy([{ any: true }], [{ direct_remote_ip: { address_prefix: '192.168.0.0', prefix_len: 16 } }]),
        },
      },
    };
    expect(admits(config, connection({ peerSpiffeId: 'spiffe://cluster.local/ns/default/sa/reviews' }))).toBe(true);
    expect(admits(config, connection({ peerSpiffeId: 'spiffe://cluster.local/ns/default/sa/reviews', localPort: 9001 }))).toBe(false);
    expect(admits(config, connection({ peerSpiffeId: 'spiffe://cluster.local/ns/default/sa/other' }))).toBe(false);
    expect(admits(config, connection())).toBe(false);
    expect(admits(config, connection({ remoteAddress: '::ffff:192.168.7.7', localPort: 1 }))).toBe(true);
  });

  it('DENY refuses connections a policy matches and admits the rest; no rules admits all', () => {
    const config = {
      stat_prefix: 'deny',
      rules: { action: 'DENY', policies: { blocked: policy([{ or_rules: { rules: [{ destination_port: 22 }, { destination_port: 23 }] } }], [{ source_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }]) } },
    };
    expect(admits(config, connection({ localPort: 23 }))).toBe(false);
    expect(admits(config, connection({ localPort: 24 }))).toBe(true);
    expect(admits(config, connection({ localPort: 22, remoteAddress: '11.0.0.1' }))).toBe(true);
    expect(admits({ stat_prefix: 'open' }, connection())).toBe(true);
    // ALLOW with no policy matches nothing: Envoy denies everything.
    expect(admits({ stat_prefix: 'closed', rules: { action: 'ALLOW' } }, connection())).toBe(false);
  });

  it('counts allowed and denied connections under <stat_prefix>.rbac.', () => {
    const compiled = networkRbacFilterFactory().compile({ stat_prefix: 'tcp', rules: { action: 'DENY', policies: { all: policy([{ any: true }], [{ any: true }]) } } }, { listenerName: 'l' });
    const ctx = { connection: connection(), close: () => {} } as unknown as NetworkFilterContext;
    compiled.create(ctx).onNewConnection?.();
    expect(compiled.stats).toEqual({ prefix: 'tcp.rbac.', counters: { allowed: 0, denied: 1 } });
  });

  it('refuses what it does not implement by field name', () => {
    const compile = (config: Record<string, unknown>) => () => networkRbacFilterFactory().compile(config, { listenerName: 'l' });
    expect(compile({ stat_prefix: 's', shadow_rules: {} })).toThrow(/shadow_rules: is not supported/);
    expect(compile({ stat_prefix: 's', rules: { action: 'LOG' } })).toThrow(/rules.action: LOG is not supported/);
    expect(compile({ stat_prefix: 's', rules: { policies: { p: policy([{ requested_server_name: { exact: 'a' } }], [{ any: true }]) } } })).toThrow(
      /rules.policies.p.permissions\[0\].requested_server_name: is not supported/,
    );
    expect(compile({ stat_prefix: 's', rules: { policies: { p: policy([{ any: true }], [{ header: { name: 'x' } }]) } } })).toThrow(/principals\[0\].header: is not supported/);
    expect(compile({ stat_prefix: 's', rules: { policies: { p: policy([{ any: true }], [{ source_ip: { address_prefix: 'nope', prefix_len: 8 } }]) } } })).toThrow(/address_prefix/);
  });
});
