import { metrics } from '@opentelemetry/api';
import { ISTIO_HISTOGRAM_BUCKETS } from './istio-buckets.js';
import { ISTIO_REQUEST_LABEL_NAMES } from './istio-labels.js';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import type { IstioRequestLabels } from './istio-labels.js';

export interface RequestSample {
  readonly durationMs: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

/**
 * Istio's standard HTTP metrics on an OpenTelemetry meter. With no SDK installed the default
 * meter is a no-op, so a library can record unconditionally and an app decides what is exported.
 *
 * Names are chosen for the Prometheus exposition Istio users expect: the counter is `istio_requests`
 * because Prometheus exporters append `_total` to monotonic counters. No instrument has a unit:
 * the unit is already in each Istio name, and exporters that add unit suffixes would double it.
 */
export class IstioMetrics {
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #requestBytes: Histogram;
  readonly #responseBytes: Histogram;

  constructor(meter: Meter = metrics.getMeter('@meshkit/telemetry')) {
    const advice = { explicitBucketBoundaries: [...ISTIO_HISTOGRAM_BUCKETS] };
    this.#requests = meter.createCounter('istio_requests', { description: 'Requests handled, by Istio request labels.' });
    this.#duration = meter.createHistogram('istio_request_duration_milliseconds', {
      description: 'Request duration in milliseconds.',
      advice,
    });
    this.#requestBytes = meter.createHistogram('istio_request_bytes', { description: 'Request body size in bytes.', advice });
    this.#responseBytes = meter.createHistogram('istio_response_bytes', { description: 'Response body size in bytes.', advice });
  }

  /** HOT PATH: one attribute object per call; nothing is parsed or formatted here. */
  recordRequest(labels: IstioRequestLabels, sample: RequestSample): void {
    const attributes = toAttributes(labels);
    this.#requests.add(1, attributes);
    this.#duration.record(sample.durationMs, attributes);
    this.#requestBytes.record(sample.requestBytes, attributes);
    this.#responseBytes.record(sample.responseBytes, attributes);
  }
}

// Copying only Istio's names, in Istio's order, keeps exposition label order stable whatever
// order the caller built its object in, and keeps stray properties from becoming labels.
function toAttributes(labels: IstioRequestLabels): Attributes {
  const attributes: Attributes = {};
  for (const name of ISTIO_REQUEST_LABEL_NAMES) attributes[name] = labels[name];
  return attributes;
}
