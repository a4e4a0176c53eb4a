import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// Envoy's own service definition, loaded by @grpc/proto-loader: a client and server stack
// this project did not write, for checking the wire protocol from the outside.

const require = createRequire(import.meta.url);
const xdsDir = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));

const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
  includeDirs: ['deps/envoy-api', 'deps/xds', 'deps/googleapis', 'deps/protoc-gen-validate'].map((dir) => path.join(xdsDir, dir)),
});

const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
};

export const AggregatedDiscoveryService = loaded.envoy.service.discovery.v3.AggregatedDiscoveryService;

/** Envoy-shaped messages as proto-loader reads and writes them. */
export interface RawRequest {
  version_info?: string;
  node?: Record<string, unknown>;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

export interface RawResponse {
  version_info?: string;
  resources?: { type_url: string; value: Buffer }[];
  type_url?: string;
  nonce?: string;
}
