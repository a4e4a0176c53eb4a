import type { TrafficDirection } from '@meshkit/filters';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';
import { HCM_TYPE, translateHttpConnectionManager } from './hcm-translator.js';
import type { HttpConnectionManagerSpec, ListenerContext } from './hcm-translator.js';
import { downstreamTls } from './transport-socket.js';
import type { DownstreamTls } from './transport-socket.js';

const HCM_FILTER = 'envoy.filters.network.http_connection_manager';

export type { HttpConnectionManagerSpec, ListenerContext, RouteSource } from './hcm-translator.js';

export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly trafficDirection: TrafficDirection;
  readonly tls: DownstreamTls | undefined;
  readonly hcm: HttpConnectionManagerSpec;
  readonly source: unknown;
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
