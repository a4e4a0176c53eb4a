import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdfScheduler } from './edf-scheduler.js';

function picks(scheduler: EdfScheduler, count: number): number[] {
  return Array.from({ length: count }, () => scheduler.next());
}

function tally(sequence: readonly number[], entries: number): number[] {
  const counts = new Array<number>(entries).fill(0);
  for (const entry of sequence) counts[entry] = (counts[entry] ?? 0) + 1;
  return counts;
}

const weightLists = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 12 });

describe('EdfScheduler', () => {
  it('returns -1 with no entries', () => {
    expect(new EdfScheduler([]).next()).toBe(-1);
  });

  it('rotates in list order when weights are equal', () => {
    expect(picks(new EdfScheduler([2, 2, 2]), 9)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('gives every entry exactly its weight in ANY window of sum(weights) consecutive picks', () => {
    fc.assert(
      fc.property(weightLists, fc.integer({ min: 0, max: 50 }), (weights, skip) => {
        const total = weights.reduce((sum, w) => sum + w, 0);
        const scheduler = new EdfScheduler(weights);
        picks(scheduler, skip);
        expect(tally(picks(scheduler, total), weights.length)).toEqual(weights);
      }),
      { numRuns: 200 },
    );
  });

  it('never lets an entry wait longer than sum over others of (floor(w_other / w_self) + 1) picks', () => {
    fc.assert(
      fc.property(weightLists, (weights) => {
        const total = weights.reduce((sum, w) => sum + w, 0);
        const sequence = picks(new EdfScheduler(weights), 3 * total);
        weights.forEach((weight, entry) => {
          const bound = weights.reduce((sum, other, j) => (j === entry ? sum : sum + Math.floor(other / weight) + 1), 0);
          let sinceLast = 0;
          for (const picked of sequence) {
            sinceLast = picked === entry ? 0 : sinceLast + 1;
            expect(sinceLast).toBeLessThanOrEqual(bound);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('interleaves equal light entries between heavy ones (5:1:1 never puts the two lights together)', () => {
    const sequence = picks(new EdfScheduler([5, 1, 1]), 70);
    for (let i = 1; i < sequence.length; i++) expect((sequence[i - 1] ?? 0) > 0 && (sequence[i] ?? 0) > 0).toBe(false);
  });

  it('stays exact for weights near the 2^32 cap and after many periods', () => {
    // Due times differ by ~1e-10 of a period here; they must still alternate, not stick to one entry.
    const [first, second] = tally(picks(new EdfScheduler([0xffff_ffff, 0xffff_fffe]), 10_000), 2);
    expect(Math.abs((first ?? 0) - (second ?? 0))).toBeLessThanOrEqual(1);
    const small = new EdfScheduler([3, 1, 7]);
    picks(small, 11 * 100_000);
    expect(tally(picks(small, 11), 3)).toEqual([3, 1, 7]);
  });
});
