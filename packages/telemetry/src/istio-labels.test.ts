import { describe, expect, it } from 'vitest';
import { ISTIO_REQUEST_LABEL_NAMES, completeLabels } from './istio-labels.js';

describe('completeLabels', () => {
  it("fills Istio's defaults for every missing label", () => {
    const labels = completeLabels({ reporter: 'source', response_code: '200', source_workload: '' });
    expect(labels.reporter).toBe('source');
    expect(labels.response_code).toBe('200');
    expect(labels.source_workload).toBe('unknown');
    expect(labels.destination_service).toBe('unknown');
    expect(labels.source_canonical_revision).toBe('latest');
    expect(labels.response_flags).toBe('-');
    expect(labels.grpc_response_status).toBe('');
    expect(labels.connection_security_policy).toBe('unknown');
  });

  it("returns every Istio label, in Istio's order", () => {
    const labels = completeLabels({ destination_app: 'reviews', reporter: 'destination' });
    expect(Object.keys(labels)).toEqual(ISTIO_REQUEST_LABEL_NAMES);
    expect(ISTIO_REQUEST_LABEL_NAMES).toHaveLength(25);
    expect(ISTIO_REQUEST_LABEL_NAMES[0]).toBe('reporter');
  });

  it('keeps an explicit gRPC status and does not share state between calls', () => {
    const a = completeLabels({ reporter: 'source', grpc_response_status: '14' });
    const b = completeLabels({ reporter: 'source' });
    expect(a.grpc_response_status).toBe('14');
    expect(b.grpc_response_status).toBe('');
    expect(a).not.toBe(b);
  });
});
