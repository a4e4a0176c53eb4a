import type { EnvoyNode } from '@meshkit/xds';
import { BootstrapError } from '../errors.js';
import { translateCluster } from '../xds/cluster-translator.js';
import { DEFAULT_INITIAL_FETCH_TIMEOUT_MS, readAdsConfigSource } from '../xds/config-source.js';
import { FieldReader } from '../xds/fields.js';
import type { FieldErrorFactory, FieldOrigin, Json } from '../xds/fields.js';
import { translateListener } from '../xds/listener-translator.js';
import { parseLocated } from './field-locations.js';
import type { LocatedDocument } from './field-locations.js';

/** The part of an Envoy v3 bootstrap this proxy implements. */
export interface Bootstrap {
  /** Where the bootstrap came from (a file path or `--config-yaml`), for error messages. */
  readonly source: string;
  /** The document as written, for `/config_dump`. */
  readonly document: Json;
  readonly node: EnvoyNode & { readonly cluster: string; readonly metadata: Json };
  readonly admin: { readonly host: string; readonly port: number } | undefined;
  readonly staticListeners: readonly unknown[];
  readonly staticClusters: readonly unknown[];
  /** ADS over gRPC, through the named static cluster (`dynamic_resources.ads_config`). */
  readonly adsCluster: string | undefined;
  /**
   * How long the proxy waits for the first CDS and LDS answers before it initializes without them
   * (`cds_config`/`lds_config.initial_fetch_timeout`, Envoy's default 15 s; 0 waits for good).
   */
  readonly initialFetchTimeoutMs: { readonly cds: number; readonly lds: number };
  /** Makes the error for a bad field of this bootstrap, naming the file, the line and column, and the field. */
  readonly makeError: FieldErrorFactory;
}

/** Errors about `where`'s fields, placed at the line and column where each field was written. */
function locatingErrors(where: string, document: LocatedDocument): FieldErrorFactory {
  return (file, field, reason, cause) => {
    const at = file === where ? document.locate(field) : undefined;
    return new BootstrapError(at === undefined ? file : `${file}:${at.line}:${at.column}`, field, reason, cause === undefined ? undefined : { cause });
  };
}

/** Where a static resource sits in its bootstrap, so its errors name the file, the line and the full field path. */
export function staticResourceOrigin(bootstrap: Pick<Bootstrap, 'source' | 'makeError'>, list: 'listeners' | 'clusters', index: number): FieldOrigin {
  return { resource: bootstrap.source, path: `static_resources.${list}[${index}]`, makeError: bootstrap.makeError };
}

/** True when the proxy will get a workload identity from the control plane's CA. */
export function expectsIdentity(bootstrap: Pick<Bootstrap, 'node' | 'adsCluster'>): boolean {
  const meta = bootstrap.node.metadata;
  return bootstrap.adsCluster !== undefined && typeof meta['NAMESPACE'] === 'string' && typeof meta['SERVICE_ACCOUNT'] === 'string';
}

/**
 * Parses a bootstrap (YAML or JSON), refusing any field the proxy does not implement — in the
 * static listeners and clusters too — with a `BootstrapError` naming `where`, the line and column
 * and the field path.
 */
export function parseBootstrap(text: string, where: string): Bootstrap {
  let document: LocatedDocument;
  try {
    document = parseLocated(text);
  } catch (error) {
    throw new BootstrapError(where, '(document)', (error as Error).message, { cause: error });
  }
  const makeError = locatingErrors(where, document);
  const bootstrap = readBootstrap(FieldReader.of(where, document.value ?? {}, '', makeError), makeError);
  checkStaticResources(bootstrap);
  return bootstrap;
}

const FILE_ACCESS_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/**
 * `admin.access_log`: the admin API keeps no request log, so only logs that discard everything
 * are accepted (Istio's bootstrap sends them to /dev/null); anything else is refused by field.
 */
function readAdminAccessLogs(admin: FieldReader): void {
  admin.children('access_log').forEach((log, i) => {
    log.allowOnly('name', 'typed_config');
    const config = log.child('typed_config').allowOnly('@type', 'path');
    if (config.string('@type') !== FILE_ACCESS_LOG || config.string('path') !== '/dev/null') {
      admin.fail(`access_log[${i}]`, 'the admin API keeps no access log; only a file log to /dev/null is accepted');
    }
  });
}

/** `node.locality`, sent to the control plane with the node (it places the proxy for locality-aware endpoints). */
function readNodeLocality(node: FieldReader | undefined): Pick<EnvoyNode, 'locality'> {
  const locality = node?.optionalChild('locality')?.allowOnly('region', 'zone', 'sub_zone');
  if (locality === undefined) return {};
  const out: NonNullable<EnvoyNode['locality']> = {};
  for (const field of ['region', 'zone', 'sub_zone'] as const) {
    const value = locality.optionalString(field);
    if (value !== undefined) out[field] = value;
  }
  return { locality: out };
}

function readBootstrap(root: FieldReader, makeError: FieldErrorFactory): Bootstrap {
  root.allowOnly('node', 'admin', 'static_resources', 'dynamic_resources');
  const node = root.optionalChild('node')?.allowOnly('id', 'cluster', 'metadata', 'locality');
  const adminReader = root.optionalChild('admin')?.allowOnly('address', 'access_log');
  let admin: Bootstrap['admin'];
  if (adminReader !== undefined) {
    const socket = adminReader.child('address').allowOnly('socket_address').child('socket_address').allowOnly('address', 'port_value');
    admin = { host: socket.string('address'), port: socket.number('port_value') };
    readAdminAccessLogs(adminReader);
  }
  const statics = root.optionalChild('static_resources')?.allowOnly('listeners', 'clusters');
  let adsCluster: string | undefined;
  const initialFetchTimeoutMs = { cds: DEFAULT_INITIAL_FETCH_TIMEOUT_MS, lds: DEFAULT_INITIAL_FETCH_TIMEOUT_MS };
  const dynamic = root.optionalChild('dynamic_resources');
  if (dynamic !== undefined) {
    dynamic.allowOnly('ads_config', 'lds_config', 'cds_config');
    for (const kind of ['lds', 'cds'] as const) {
      const config = dynamic.optionalChild(`${kind}_config`);
      if (config !== undefined) initialFetchTimeoutMs[kind] = readAdsConfigSource(config, 'only ADS is supported');
    }
    const ads = dynamic.child('ads_config').allowOnly('api_type', 'transport_api_version', 'grpc_services', 'set_node_on_first_message_only');
    if (ads.optionalString('api_type') !== 'GRPC') ads.fail('api_type', 'only GRPC (state of the world) is supported');
    const service = ads.children('grpc_services')[0] ?? ads.fail('grpc_services', 'one grpc service naming the xDS cluster is required');
    adsCluster = service.allowOnly('envoy_grpc').child('envoy_grpc').allowOnly('cluster_name').string('cluster_name');
  }
  const metadata = node?.optionalChild('metadata')?.value ?? {};
  return {
    source: root.resource,
    document: root.value,
    node: { id: node?.optionalString('id') ?? '', cluster: node?.optionalString('cluster') ?? '', metadata, ...readNodeLocality(node) },
    admin,
    staticListeners: statics?.children('listeners').map((l) => l.value) ?? [],
    staticClusters: statics?.children('clusters').map((c) => c.value) ?? [],
    adsCluster,
    initialFetchTimeoutMs,
    makeError,
  };
}

/**
 * Translates the static resources once without binding or connecting anything, so a bad field
 * stops the proxy before it starts. HTTP filter configs are compiled later, at start.
 */
function checkStaticResources(bootstrap: Bootstrap): void {
  const secrets = { identity: undefined, identityExpected: expectsIdentity(bootstrap) };
  const clusterNames = new Set<string>();
  bootstrap.staticClusters.forEach((cluster, i) => {
    const origin = staticResourceOrigin(bootstrap, 'clusters', i);
    const { name } = translateCluster(cluster, secrets, origin);
    if (clusterNames.has(name)) throw origin.makeError(origin.resource, `${origin.path}.name`, `a second cluster is named '${name}'`);
    clusterNames.add(name);
  });
  bootstrap.staticListeners.forEach((listener, i) => {
    // Inline routes are checked against the static clusters only when no CDS can add others.
    const known = bootstrap.adsCluster === undefined ? { clusterNames } : {};
    translateListener(listener, { secrets, httpFilters: undefined, ...known }, staticResourceOrigin(bootstrap, 'listeners', i));
  });
  if (bootstrap.adsCluster !== undefined && !clusterNames.has(bootstrap.adsCluster)) {
    throw bootstrap.makeError(bootstrap.source, 'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name', `no static cluster is named '${bootstrap.adsCluster}'`);
  }
}
