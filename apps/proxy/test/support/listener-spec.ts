import type { HttpConnectionManagerSpec, ListenerSpec } from '../../src/xds/listener-translator.js';

/** The connection manager of a listener's first filter chain (throws when that chain has none). */
export function hcmOf(spec: ListenerSpec): HttpConnectionManagerSpec {
  const terminal = spec.filterChains[0]?.terminal;
  if (terminal?.kind !== 'hcm') throw new Error(`listener ${spec.name} has no HTTP connection manager`);
  return terminal.hcm;
}
