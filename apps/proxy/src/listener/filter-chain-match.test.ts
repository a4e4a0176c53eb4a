import { describe, expect, it } from 'vitest';
import { MATCH_ANY, selectFilterChain } from './filter-chain-match.js';
import type { ChainSelectionInput, FilterChainMatch } from './filter-chain-match.js';

const chain = (id: string, match: Partial<FilterChainMatch>) => ({ id, match: { ...MATCH_ANY, ...match } });
const input = (overrides: Partial<ChainSelectionInput>): ChainSelectionInput => ({ destinationPort: 443, transportProtocol: 'tls', serverName: '', alpn: [], ...overrides });
const pick = (chains: ReturnType<typeof chain>[], overrides: Partial<ChainSelectionInput>) => selectFilterChain(chains, input(overrides))?.id ?? null;

describe('selectFilterChain (Envoy order: port, server name, transport, ALPN)', () => {
  it('prefers an exact server name over a wildcard, the longest wildcard, then chains without names', () => {
    const chains = [chain('any', {}), chain('wild', { serverNames: ['*.example.com'] }), chain('deeper', { serverNames: ['*.api.example.com'] }), chain('exact', { serverNames: ['api.example.com'] })];
    expect(pick(chains, { serverName: 'api.example.com' })).toBe('exact');
    expect(pick(chains, { serverName: 'v1.api.example.com' })).toBe('deeper');
    expect(pick(chains, { serverName: 'a.b.example.com' })).toBe('wild');
    // A wildcard never covers the bare suffix.
    expect(pick(chains, { serverName: 'example.com' })).toBe('any');
    expect(pick(chains, { serverName: '' })).toBe('any');
  });

  it('decides on destination port before server name', () => {
    const chains = [chain('named', { serverNames: ['api.example.com'] }), chain('port', { destinationPort: 8443 })];
    expect(pick(chains, { destinationPort: 8443, serverName: 'api.example.com' })).toBe('port');
    expect(pick(chains, { destinationPort: 443, serverName: 'api.example.com' })).toBe('named');
  });

  it('falls back to chains leaving a criterion empty, and to nothing when none does', () => {
    const chains = [chain('tls', { transportProtocol: 'tls' }), chain('h2', { transportProtocol: 'tls', applicationProtocols: ['h2'] })];
    expect(pick(chains, { alpn: ['h2', 'http/1.1'] })).toBe('h2');
    expect(pick(chains, { alpn: ['http/1.1'] })).toBe('tls');
    expect(pick(chains, { transportProtocol: 'raw_buffer' })).toBeNull();
    expect(pick([chain('only', { serverNames: ['a.test'] })], { serverName: 'b.test' })).toBeNull();
  });
});
