import { describe, expect, it } from 'vitest';
import { PrematureResets } from '../src/codec/premature-resets.js';

/** Closes `count` streams on `resets`; true when any of them tripped the guard. */
function close(resets: PrematureResets, count: number, lifetimeMs: number, answered: boolean): boolean {
  let tripped = false;
  for (let i = 0; i < count; i++) tripped = resets.streamClosed(lifetimeMs, answered) || tripped;
  return tripped;
}

describe('PrematureResets (Envoy defaults: 500 streams, 1 s lifetime)', () => {
  it('trips on the 250th unanswered reset before 500 streams, however few were answered', () => {
    const resets = new PrematureResets();
    expect(close(resets, 100, 5, true)).toBe(false);
    expect(close(resets, 249, 5, false)).toBe(false);
    expect(resets.streamClosed(5, false)).toBe(true);
    // Once: the connection's other streams closing after the abort do not count it again.
    expect(close(resets, 10, 5, false)).toBe(false);
  });

  it('past 500 streams, trips when half of them were premature', () => {
    const resets = new PrematureResets();
    expect(close(resets, 300, 5, true)).toBe(false);
    expect(close(resets, 249, 5, false)).toBe(false);
    expect(close(resets, 51, 5, false)).toBe(true);
  });

  it('counts a stream as premature only within its first two seconds (whole seconds above 1 are not) and without a response', () => {
    const lived = new PrematureResets();
    expect(close(lived, 400, 2000, false)).toBe(false);
    const young = new PrematureResets();
    expect(close(young, 250, 1999, false)).toBe(true);
    const answered = new PrematureResets();
    expect(close(answered, 1000, 5, true)).toBe(false);
  });
});
