import type { CompiledHttpFilter, HttpFilterRegistry, TrafficDirection } from '@meshkit/filters';
import type { RouteTable } from '@meshkit/router';
import type { FieldReader } from './fields.js';
import { translateRouteConfiguration } from './route-translator.js';
import type { SecretSource } from './transport-socket.js';

export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export type RouteSource = { readonly kind: 'inline'; readonly table: RouteTable } | { readonly kind: 'rds'; readonly name: string };

export interface HttpConnectionManagerSpec {
  readonly statPrefix: string;
  readonly routes: RouteSource;
  readonly filters: readonly CompiledHttpFilter[];
  readonly serverName: string | undefined;
}

export interface ListenerContext {
  readonly secrets: SecretSource;
  /** `undefined` when only checking a bootstrap: filter entries are checked for shape, not compiled. */
  readonly httpFilters: HttpFilterRegistry | undefined;
}

/** The `HttpConnectionManager` network filter's config → what the connection manager runs. */
export function translateHttpConnectionManager(
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
