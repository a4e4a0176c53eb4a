/**
 * Work deferred to the end of the event loop's poll phase (node's check phase): socket flushes,
 * and anything else that many reads in one phase would otherwise repeat (re-arming a timer).
 *
 * A proxy reads many sockets in one poll phase and writes to other sockets for each read. Written
 * at once, every write finds its reader asleep and pays for a wakeup (on a virtual machine, the
 * costliest part of a loopback write). Flushed together after the reads, the first write wakes
 * the reader and the rest reach it while it is still busy. The delay is the rest of one loop
 * iteration: node never blocks for I/O while an immediate is pending.
 */
let queued: (() => void)[] = [];

/** Runs `flush` (a bound `socket.uncork`, say) once this poll phase's reads are handled. */
export function flushAfterReads(flush: () => void): void {
  if (queued.length === 0) setImmediate(flushQueued);
  queued.push(flush);
}

function flushQueued(): void {
  const flushes = queued;
  queued = [];
  for (const flush of flushes) flush();
}
