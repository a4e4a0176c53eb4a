import { readFile } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flushAfterReads } from '../src/after-reads.js';

/**
 * Runs `body` inside an I/O callback, where the poll phase is, and resolves with what it recorded
 * once its timers have fired and the check phase after them has run (so a flush queued by a flush,
 * which runs one batch later, is in too, however slowly the loop turns).
 */
function inPollPhase(body: (log: string[]) => void): Promise<string[]> {
  const log: string[] = [];
  return new Promise((resolve) => {
    readFile(import.meta.filename, () => {
      body(log);
      setTimeout(() => setImmediate(() => resolve(log)), 0);
    });
  });
}

describe('flushAfterReads', () => {
  it('runs queued flushes in order after the current callback, before the next timers', async () => {
    const log = await inPollPhase((log) => {
      setTimeout(() => log.push('timer'), 0);
      flushAfterReads(() => log.push('a'));
      flushAfterReads(() => log.push('b'));
      process.nextTick(() => log.push('tick'));
      log.push('callback');
    });
    expect(log).toEqual(['callback', 'tick', 'a', 'b', 'timer']);
  });

  it('runs a flush queued by a flush in the next batch, once', async () => {
    const log = await inPollPhase((log) => {
      flushAfterReads(() => {
        log.push('first');
        flushAfterReads(() => log.push('queued by first'));
      });
      flushAfterReads(() => log.push('second'));
    });
    expect(log).toEqual(['first', 'second', 'queued by first']);
  });
});
