import type { TrafficDirection } from '@meshkit/filters';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';
import { translateFilterChain } from './filter-chain-translator.js';
import type { FilterChainSpec, ListenerTranslationContext } from './filter-chain-translator.js';

export type { HttpConnectionManagerSpec, ListenerContext, RouteSource } from './hcm-translator.js';
export type { FilterChainSpec, ListenerTranslationContext, TerminalFilterSpec } from './filter-chain-translator.js';

const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';
const TLS_INSPECTOR_TYPE = 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
/** Envoy's default `listener_filters_timeout`. */
const DEFAULT_LISTENER_FILTERS_TIMEOUT_MS = 15_000;

export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly trafficDirection: TrafficDirection;
  readonly filterChains: readonly FilterChainSpec[];
  readonly defaultFilterChain: FilterChainSpec | undefined;
  /** `envoy.filters.listener.tls_inspector` is configured: read SNI and ALPN before choosing a chain. */
  readonly inspectTls: boolean;
  readonly listenerFiltersTimeoutMs: number;
  /** On that timeout, choose a chain as for plaintext instead of closing the connection. */
  readonly continueOnListenerFiltersTimeout: boolean;
  readonly source: unknown;
}

function readListenerFilters(listener: FieldReader): boolean {
  let inspect = false;
  for (const entry of listener.children('listener_filters')) {
    entry.allowOnly('name', 'typed_config');
    const type = entry.optionalChild('typed_config')?.allowOnly('@type').string('@type');
    if (entry.string('name') !== TLS_INSPECTOR && type !== TLS_INSPECTOR_TYPE) entry.fail('name', `only ${TLS_INSPECTOR} is supported as a listener filter`);
    if (type !== undefined && type !== TLS_INSPECTOR_TYPE) entry.fail('typed_config.@type', `expected ${TLS_INSPECTOR_TYPE}`);
    inspect = true;
  }
  return inspect;
}

/** Envoy refuses two chains with the same match, since which one would win is undefined. */
function refuseDuplicateMatches(listener: FieldReader, chains: readonly FilterChainSpec[]): void {
  const seen = new Map<string, number>();
  chains.forEach((chain, i) => {
    const m = chain.match;
    const key = JSON.stringify([m.destinationPort, [...m.serverNames].sort(), m.transportProtocol, [...m.applicationProtocols].sort()]);
    const earlier = seen.get(key);
    if (earlier !== undefined) listener.fail(`filter_chains[${i}].filter_chain_match`, `the same match as filter_chains[${earlier}]`);
    seen.set(key, i);
  });
}

/**
 * Envoy `Listener` → ListenerSpec with its filter chains compiled. Throws (NACK) on anything
 * unsupported; `origin` places a static listener in its bootstrap file for the error message.
 */
export function translateListener(resource: unknown, context: ListenerTranslationContext, origin?: FieldOrigin): ListenerSpec {
  const listener = FieldReader.resource('Listener', resource, origin);
  const name = listener.string('name');
  listener.allowOnly(
    'name',
    'address',
    'traffic_direction',
    'filter_chains',
    'default_filter_chain',
    'listener_filters',
    'listener_filters_timeout',
    'continue_on_listener_filters_timeout',
  );
  const address = listener.child('address').allowOnly('socket_address').child('socket_address');
  address.allowOnly('address', 'port_value', 'protocol');
  const direction = (listener.optionalString('traffic_direction') ?? 'UNSPECIFIED') as TrafficDirection;
  if (!['INBOUND', 'OUTBOUND', 'UNSPECIFIED'].includes(direction)) listener.fail('traffic_direction', `unknown direction ${direction}`);

  const chains = listener.children('filter_chains').map((chain, i) => translateFilterChain(chain, chain.optionalString('name') ?? `#${i}`, name, direction, context));
  const fallback = listener.optionalChild('default_filter_chain');
  const defaultFilterChain = fallback === undefined ? undefined : translateFilterChain(fallback, 'default', name, direction, context);
  if (fallback?.has('filter_chain_match') === true) fallback.fail('filter_chain_match', 'the default filter chain matches what no other chain does; it has no match of its own');
  if (chains.length === 0 && defaultFilterChain === undefined) listener.fail('filter_chains', 'at least one filter chain (or a default_filter_chain) is required');
  refuseDuplicateMatches(listener, chains);

  return {
    name,
    host: address.string('address'),
    port: address.number('port_value'),
    trafficDirection: direction,
    filterChains: chains,
    defaultFilterChain,
    inspectTls: readListenerFilters(listener),
    listenerFiltersTimeoutMs: listener.durationMs('listener_filters_timeout') ?? DEFAULT_LISTENER_FILTERS_TIMEOUT_MS,
    continueOnListenerFiltersTimeout: listener.boolean('continue_on_listener_filters_timeout', false),
    source: resource,
  };
}
