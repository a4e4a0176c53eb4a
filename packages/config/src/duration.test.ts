import { describe, expect, it } from 'vitest';
import { formatEnvoyDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it('reads the forms Istio accepts', () => {
    expect(parseDuration('10s')).toBe(10e9);
    expect(parseDuration('1.5s')).toBe(1.5e9);
    expect(parseDuration('250ms')).toBe(250e6);
    expect(parseDuration('1h30m')).toBe(5400e9);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('s')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
  });

  it("writes Envoy's JSON form", () => {
    expect(formatEnvoyDuration(10e9)).toBe('10s');
    expect(formatEnvoyDuration(250e6)).toBe('0.25s');
    expect(formatEnvoyDuration(1.5e9)).toBe('1.5s');
    expect(formatEnvoyDuration(0)).toBe('0s');
  });
});
