import { parse } from 'yaml';
import { BootstrapError } from '../errors.js';
import { FieldReader } from '../xds/fields.js';
import type { Json } from '../xds/fields.js';
import type { EnvoyNode } from '@meshkit/xds';


/** The part of an Envoy v3 bootstrap this proxy implements. */
export interface Bootstrap {
  readonly node: EnvoyNode & { readonly cluster: string; readonly metadata: Json };
  readonly admin: { readonly host: string; readonly port: number } | undefined;
  readonly staticListeners: readonly unknown[];
  readonly staticClusters: readonly unknown[];
  /** ADS over gRPC, through the named static cluster (`dynamic_resources.ads_config`). */
  readonly adsCluster: string | undefined;
}

/** Parses a bootstrap (YAML or JSON), refusing any field the proxy does not implement. */
export function parseBootstrap(text: string, where: string): Bootstrap {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new BootstrapError(where, '(document)', (error as Error).message, { cause: error });
  }
  const bootstrapError = (file: string, field: string, reason: string): Error => new BootstrapError(file, field, reason);
  return readBootstrap(FieldReader.of(where, document ?? {}, '', bootstrapError));
}

function readBootstrap(root: FieldReader): Bootstrap {
  root.allowOnly('node', 'admin', 'static_resources', 'dynamic_resources');
  const node = root.optionalChild('node')?.allowOnly('id', 'cluster', 'metadata', 'locality');
  const adminReader = root.optionalChild('admin')?.allowOnly('address', 'access_log');
  let admin: Bootstrap['admin'];
  if (adminReader !== undefined) {
    const socket = adminReader.child('address').allowOnly('socket_address').child('socket_address').allowOnly('address', 'port_value');
    admin = { host: socket.string('address'), port: socket.number('port_value') };
  }
  const statics = root.optionalChild('static_resources')?.allowOnly('listeners', 'clusters');
  let adsCluster: string | undefined;
  const dynamic = root.optionalChild('dynamic_resources');
  if (dynamic !== undefined) {
    dynamic.allowOnly('ads_config', 'lds_config', 'cds_config');
    for (const source of ['lds_config', 'cds_config']) {
      const config = dynamic.optionalChild(source)?.allowOnly('ads', 'resource_api_version', 'initial_fetch_timeout');
      if (config !== undefined && !config.has('ads')) config.fail('ads', 'only ADS is supported');
    }
    const ads = dynamic.child('ads_config').allowOnly('api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only');
    if (ads.optionalString('api_type') !== 'GRPC') ads.fail('api_type', 'only GRPC (state of the world) is supported');
    const service = ads.children('grpc_services')[0] ?? ads.fail('grpc_services', 'one grpc service naming the xDS cluster is required');
    adsCluster = service.allowOnly('envoy_grpc').child('envoy_grpc').allowOnly('cluster_name').string('cluster_name');
  }
  const metadata = node?.optionalChild('metadata')?.value ?? {};
  return {
    node: { id: node?.optionalString('id') ?? '', cluster: node?.optionalString('cluster') ?? '', metadata },
    admin,
    staticListeners: (statics?.value['listeners'] as unknown[] | undefined) ?? [],
    staticClusters: (statics?.value['clusters'] as unknown[] | undefined) ?? [],
    adsCluster,
  };
}
