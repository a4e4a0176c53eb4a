import type { CompiledHttpFilter, HttpFilterRegistry, TrafficDirection } from '@meshkit/filters';
import type { RouteTable } from '@meshkit/router';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';
import { translateRouteConfiguration } from './route-translator.js';
import { downstreamTls } from './transport-socket.js';
import type { DownstreamTls, SecretSource } from './transport-socket.js';

const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export type RouteSource = { readonly kind: 'inline'; readonly table: RouteTable } | { readonly kind: 'rds'; readonly name: string };

export interface HttpConnectionManagerSpec {
  readonly statPrefix: string;
  readonly routes: RouteSource;
  readonly filters: readonly CompiledHttpFilter[];
  readonly serverName: string | undefined;
}

export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly trafficDirection: TrafficDirection;
  readonly tls: DownstreamTls | undefined;
  readonly hcm: HttpConnectionManagerSpec;
  readonly source: unknown;
}

export interface ListenerContext {
  readonly secrets: SecretSource;
  /** `undefined` when only checking a bootstrap: filter entries are checked for shape, not compiled. */
  readonly httpFilters: HttpFilterRegistry | undefined;
}

/**
 * Envoy `Listener` → ListenerSpec with its filters compiled. Throws (NACK) on anything unsupported;
 * `origin` places a static listener in its bootstrap file for the error message.
 */
export function translateListener(resource: unknown, context: ListenerContext, origin?: FieldOrigin): ListenerSpec {
  const listener = FieldReader.resource('Listener', resource, origin);
  const name = listener.string('name');
  listener.allowOnly('name', 'address', 'traffic_direction', 'filter_chains');
  const address = listener.child('address').allowOnly('socket_address').child('socket_address');
  address.allowOnly('address', 'port_value', 'protocol');
  const direction = (listener.optionalString('traffic_direction') ?? 'UNSPECIFIED') as TrafficDirection;
  if (!['INBOUND', 'OUTBOUND', 'UNSPECIFIED'].includes(direction)) listener.fail('traffic_direction', `unknown direction ${direction}`);

  const chains = listener.children('filter_chains');
  if (chains.length !== 1) listener.fail('filter_chains', 'exactly one filter chain is supported yet');
  const chain = (chains[0] as FieldReader).allowOnly('filters', 'transport_socket', 'name');
  const filters = chain.children('filters');
  const hcmEntry = filters.length === 1 ? filters[0] : undefined;
  if (hcmEntry === undefined) return chain.fail('filters', `exactly one network filter (${HCM_FILTER}) is supported yet`);
  hcmEntry.allowOnly('name', 'typed_config');
  const typed = hcmEntry.child('typed_config');
  if (typed.string('@type') !== HCM_TYPE) typed.fail('@type', `only ${HCM_TYPE} is supported yet`);
  const transportSocket = chain.optionalChild('transport_socket');

  return {
    name,
    host: address.string('address'),
    port: address.number('port_value'),
    trafficDirection: direction,
    tls: transportSocket === undefined ? undefined : downstreamTls(transportSocket, context.secrets),
    hcm: translateHttpConnectionManager(typed, name, direction, context),
    source: resource,
  };
}

function translateHttpConnectionManager(
  hcm: FieldReader,
  listenerName: string,
  trafficDirection: TrafficDirection,
  context: ListenerContext,
): HttpConnectionManagerSpec {
  hcm.allowOnly('@type', 'stat_prefix', 'codec_type', 'route_config', 'rds', 'http_filters', 'server_name');
  const codec = hcm.optionalString('codec_type') ?? 'AUTO';
  if (codec !== 'AUTO' && codec !== 'HTTP1') hcm.fail('codec_type', `${codec} is not supported yet (HTTP/1.1 only)`);
  let routes: RouteSource;
  const rds = hcm.optionalChild('rds');
  if (rds !== undefined) {
    rds.allowOnly('route_config_name', 'config_source');
    const source = rds.child('config_source').allowOnly('ads', 'resource_api_version', 'initial_fetch_timeout');
    if (!source.has('ads')) source.fail('ads', 'RDS is supported over ADS only');
    routes = { kind: 'rds', name: rds.string('route_config_name') };
  } else if (hcm.has('route_config')) {
    routes = { kind: 'inline', table: translateRouteConfiguration(hcm.value['route_config'], hcm.originOf('route_config')).table };
  } else {
    return hcm.fail('route_config', 'one of rds and route_config is required');
  }
  const filterEntries = hcm.children('http_filters');
  const compiled: CompiledHttpFilter[] = [];
  filterEntries.forEach((entry, i) => {
    entry.allowOnly('name', 'typed_config');
    const filter = { name: entry.string('name'), typed_config: entry.child('typed_config').value };
    if (context.httpFilters === undefined) return;
    try {
      compiled.push(context.httpFilters.compile(filter, { listenerName, trafficDirection }, `http_filters[${i}]`));
    } catch (error) {
      hcm.fail(`http_filters[${i}]`, (error as Error).message, error);
    }
  });
  const last = filterEntries.at(-1);
  if (last === undefined || last.string('name') !== 'envoy.filters.http.router') {
    hcm.fail('http_filters', 'the last HTTP filter must be envoy.filters.http.router');
  }
  return {
    statPrefix: hcm.string('stat_prefix'),
    routes,
    filters: compiled,
    serverName: hcm.optionalString('server_name'),
  };
}
