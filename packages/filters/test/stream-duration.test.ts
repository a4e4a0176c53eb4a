import { describe, expect, it } from 'vitest';
import { grpcRouteTimeoutMs, grpcTimeoutMs, streamDurationLimitMs } from '../src/stream-duration.js';

describe('grpc-timeout', () => {
  it.each([
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['3S', 3000],
    ['250m', 250],
    ['1500u', 2],
    ['1n', 1],
    ['0m', 0],
  ])('reads %s as %i ms (rounded up)', (value, ms) => {
    expect(grpcTimeoutMs({ 'grpc-timeout': value })).toBe(ms);
  });

  it.each(['', '5', '1s', '123456789S', '-1S', '1.5S'])('ignores the malformed %j', (value) => {
    expect(grpcTimeoutMs({ 'grpc-timeout': value })).toBeUndefined();
  });
});

describe("a route's max_stream_duration", () => {
  it("limits every stream by max_stream_duration; 0 lifts the connection manager's limit, unset keeps it", () => {
    expect(streamDurationLimitMs({ maxStreamDurationMs: 500 }, {})).toBe(500);
    expect(streamDurationLimitMs({ maxStreamDurationMs: 0 }, { 'grpc-timeout': '1S' })).toBeNull();
    expect(streamDurationLimitMs({}, {})).toBeUndefined();
  });

  it('lets grpc-timeout decide under grpc_timeout_header_max: offset taken off, capped unless the cap is 0', () => {
    const istio = { maxStreamDurationMs: 0, grpcTimeoutHeaderMaxMs: 0 };
    expect(streamDurationLimitMs(istio, { 'grpc-timeout': '5S' })).toBe(5000);
    expect(streamDurationLimitMs(istio, {})).toBeNull();
    expect(streamDurationLimitMs({ grpcTimeoutHeaderMaxMs: 2000, maxStreamDurationMs: 9000 }, { 'grpc-timeout': '5S' })).toBe(2000);
    expect(streamDurationLimitMs({ grpcTimeoutHeaderMaxMs: 2000, maxStreamDurationMs: 9000 }, {})).toBe(9000);
    expect(streamDurationLimitMs({ grpcTimeoutHeaderMaxMs: 0, grpcTimeoutHeaderOffsetMs: 100 }, { 'grpc-timeout': '300m' })).toBe(200);
    // A deadline the offset uses up times the stream out at once.
    expect(streamDurationLimitMs({ grpcTimeoutHeaderMaxMs: 0, grpcTimeoutHeaderOffsetMs: 100 }, { 'grpc-timeout': '50m' })).toBe(0);
  });
});

describe("a route's max_grpc_timeout (Envoy's deprecated gRPC route timeout)", () => {
  it("uses grpc-timeout, less an offset that leaves time, capped unless the cap is 0", () => {
    expect(grpcRouteTimeoutMs(0, undefined, { 'grpc-timeout': '3S' })).toBe(3000);
    expect(grpcRouteTimeoutMs(1000, undefined, { 'grpc-timeout': '3S' })).toBe(1000);
    expect(grpcRouteTimeoutMs(0, 500, { 'grpc-timeout': '3S' })).toBe(2500);
    // An offset that would use up the deadline is not applied.
    expect(grpcRouteTimeoutMs(0, 500, { 'grpc-timeout': '200m' })).toBe(200);
  });

  it('gives a call without a deadline no timeout, or the cap when there is one (as Istio configures, 0s: none)', () => {
    expect(grpcRouteTimeoutMs(0, undefined, {})).toBe(0);
    expect(grpcRouteTimeoutMs(4000, undefined, {})).toBe(4000);
  });
});
