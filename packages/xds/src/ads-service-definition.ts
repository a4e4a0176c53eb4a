import type * as grpc from '@grpc/grpc-js';
import {
  decodeDiscoveryRequest,
  decodeDiscoveryResponse,
  encodeDiscoveryRequest,
  encodeDiscoveryResponse,
} from './discovery-messages.js';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-messages.js';

export const ADS_SERVICE_NAME = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const ADS_STREAM_METHOD_PATH = `/${ADS_SERVICE_NAME}/StreamAggregatedResources`;

/**
 * The state-of-the-world ADS method, with our own (de)serializers. Delta ADS is not
 * registered, so grpc-js answers it UNIMPLEMENTED and a delta client falls back to SotW.
 */
export const adsServiceDefinition = {
  StreamAggregatedResources: {
    path: ADS_STREAM_METHOD_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: encodeDiscoveryRequest,
    requestDeserialize: decodeDiscoveryRequest,
    responseSerialize: encodeDiscoveryResponse,
    responseDeserialize: decodeDiscoveryResponse,
    originalName: 'streamAggregatedResources',
  },
} satisfies grpc.ServiceDefinition<{
  StreamAggregatedResources: grpc.handleBidiStreamingCall<DiscoveryRequest, DiscoveryResponse>;
}>;
