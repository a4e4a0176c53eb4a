import { performance } from 'node:perf_hooks';
import { formatResponseFlags } from './response-flags.js';
import type { ResponseFlag } from './response-flags.js';

export type TrafficDirection = 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';

/**
 * What is known about one HTTP stream, filled in as it progresses and read when it ends
 * (access logs, metrics). Mirrors Envoy's StreamInfo.
 */
export class StreamInfo {
  readonly startTime = performance.now();
  /** Wall-clock start, in epoch milliseconds (a Date only when someone asks: `startDate`). */
  readonly startEpochMs = Date.now();
  endTime: number | undefined;
  protocol = 'HTTP/1.1';
  requestId = '';
  downstreamRemoteAddress = '';
  downstreamLocalAddress = '';
  /** SPIFFE ID proven by the downstream's client certificate, when the connection was mTLS. */
  downstreamPeerSpiffeId: string | null = null;
  downstreamTls = false;
  responseCode: number | undefined;
  responseCodeDetails = '';
  virtualHostName = '';
  routeName = '';
  upstreamCluster = '';
  upstreamHost = '';
  /** The protocol of the upstream request last sent (`HTTP/1.1`, `HTTP/2`); empty before one. */
  upstreamProtocol = '';
  bytesReceived = 0;
  bytesSent = 0;
  private state: Map<string, unknown> | undefined;
  private readonly flags: ResponseFlag[] = [];

  constructor(readonly trafficDirection: TrafficDirection) {}

  get startDate(): Date {
    return new Date(this.startEpochMs);
  }

  /** Filters share facts here (e.g. the peer metadata one filter decoded and another reports); made on first use. */
  get filterState(): Map<string, unknown> {
    this.state ??= new Map();
    return this.state;
  }

  setResponseFlag(flag: ResponseFlag): void {
    if (!this.flags.includes(flag)) this.flags.push(flag);
  }

  hasResponseFlag(flag: ResponseFlag): boolean {
    return this.flags.includes(flag);
  }

  /** Envoy's `%RESPONSE_FLAGS%` form: comma-separated, `-` when none. */
  responseFlagsString(): string {
    return formatResponseFlags(this.flags);
  }

  /** Milliseconds from the first byte of the request to the end of the stream (or now). */
  durationMs(): number {
    return (this.endTime ?? performance.now()) - this.startTime;
  }
}
