import type { CompiledNetworkFilter, NetworkFilterRegistry } from '@meshkit/filters';
import type { FilterChainMatch } from '../listener/filter-chain-match.js';
import { MATCH_ANY } from '../listener/filter-chain-match.js';
import type { FieldReader } from './fields.js';
import { HCM_TYPE, translateHttpConnectionManager } from './hcm-translator.js';
import type { HttpConnectionManagerSpec, ListenerContext } from './hcm-translator.js';
import { downstreamTls } from './transport-socket.js';
import type { DownstreamTls } from './transport-socket.js';

const TYPE_PREFIX = 'type.googleapis.com/';
export const TCP_PROXY_TYPE = `${TYPE_PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;

/** The listener's translation context: the HCM's, plus the network filters a chain may use. */
export interface ListenerTranslationContext extends ListenerContext {
  /** `undefined` when only checking a bootstrap: network filter configs are checked for shape, not compiled. */
  readonly networkFilters?: NetworkFilterRegistry | undefined;
}

/** The filter that ends a chain and owns its connections. */
export type TerminalFilterSpec =
  | { readonly kind: 'hcm'; readonly hcm: HttpConnectionManagerSpec }
  /** `filter` is undefined when only checking a bootstrap. */
  | { readonly kind: 'tcp_proxy'; readonly filter: CompiledNetworkFilter | undefined };

export interface FilterChainSpec {
  /** Identifies the chain across updates: its `name`, else its position (`#0`), or `default`. */
  readonly key: string;
  readonly match: FilterChainMatch;
  readonly tls: DownstreamTls | undefined;
  /** Network filters before the terminal one (e.g. RBAC), in order. */
  readonly networkFilters: readonly CompiledNetworkFilter[];
  readonly terminal: TerminalFilterSpec;
}

function readMatch(chain: FieldReader): FilterChainMatch {
  const match = chain.optionalChild('filter_chain_match');
  if (match === undefined) return MATCH_ANY;
  match.allowOnly('destination_port', 'server_names', 'transport_protocol', 'application_protocols');
  const serverNames = match.strings('server_names').map((n) => n.toLowerCase());
  for (const name of serverNames) {
    if (name.includes('*') && !(name.startsWith('*.') && !name.slice(1).includes('*'))) match.fail('server_names', `'${name}': a wildcard must be a leading '*.'`);
  }
  const transport = match.optionalString('transport_protocol');
  if (transport !== undefined && transport !== 'tls' && transport !== 'raw_buffer') match.fail('transport_protocol', `'${transport}': only tls and raw_buffer are detected`);
  return {
    destinationPort: match.optionalNumber('destination_port'),
    serverNames,
    transportProtocol: transport,
    applicationProtocols: match.strings('application_protocols'),
  };
}

/** Chooses the ALPN a TLS chain advertises: its own `alpn_protocols`, else what its HTTP connection manager asks for. */
function withAlpn(tls: DownstreamTls, terminal: TerminalFilterSpec): DownstreamTls {
  if (tls.alpn.length > 0 || terminal.kind !== 'hcm') return tls;
  const wanted = (terminal.hcm as { readonly alpnProtocols?: readonly string[] }).alpnProtocols;
  if (wanted === undefined || wanted.length === 0) return tls;
  return { ...tls, alpn: [...wanted], options: { ...tls.options, ALPNProtocols: [...wanted] } };
}

/** One `FilterChain` → its match, TLS and compiled filters. `key` names it across updates. */
export function translateFilterChain(
  chain: FieldReader,
  key: string,
  listenerName: string,
  direction: Parameters<typeof translateHttpConnectionManager>[2],
  context: ListenerTranslationContext,
): FilterChainSpec {
  chain.allowOnly('name', 'filter_chain_match', 'filters', 'transport_socket');
  const match = readMatch(chain);
  const entries = chain.children('filters');
  const last = entries.at(-1);
  if (last === undefined) return chain.fail('filters', `a terminal filter is required (${HCM_TYPE} or ${TCP_PROXY_TYPE})`);
  const networkFilters: CompiledNetworkFilter[] = [];
  let terminal: TerminalFilterSpec | undefined;
  entries.forEach((entry, i) => {
    entry.allowOnly('name', 'typed_config');
    const typed = entry.child('typed_config');
    const type = typed.string('@type');
    const isLast = i === entries.length - 1;
    if (type === HCM_TYPE || type === TCP_PROXY_TYPE) {
      if (!isLast) entry.fail('typed_config', 'a terminal filter must be the last of its chain');
      if (type === HCM_TYPE) {
        terminal = { kind: 'hcm', hcm: translateHttpConnectionManager(typed, listenerName, direction, context) };
        return;
      }
    } else if (isLast) {
      entry.fail('typed_config', `the last filter must be terminal (${HCM_TYPE} or ${TCP_PROXY_TYPE})`);
    }
    const registry = context.networkFilters;
    let compiled: CompiledNetworkFilter | undefined;
    if (registry !== undefined) {
      try {
        compiled = registry.compile({ name: entry.string('name'), typed_config: typed.value }, { listenerName }, `filters[${i}]`);
      } catch (error) {
        chain.fail(`filters[${i}]`, (error as Error).message, error);
      }
    }
    if (type === TCP_PROXY_TYPE) terminal = { kind: 'tcp_proxy', filter: compiled };
    else if (compiled !== undefined) networkFilters.push(compiled);
  });
  const end = terminal as TerminalFilterSpec;
  const socket = chain.optionalChild('transport_socket');
  const tls = socket === undefined ? undefined : withAlpn(downstreamTls(socket, context.secrets), end);
  return { key, match, tls, networkFilters, terminal: end };
}
