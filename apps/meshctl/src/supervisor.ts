import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
}

const STOP_GRACE_MS = 5_000;

/**
 * Starts node processes with their output in per-process log files, and stops every one of them
 * (SIGTERM, then SIGKILL after a grace period) — and only them.
 */
export class Supervisor {
  private readonly children: { process: ChildProcess; managed: ManagedProcess; expectedExit: boolean }[] = [];
  private unexpectedExit: ((child: ManagedProcess, code: number | null) => void) | undefined;

  constructor(readonly logDir: string) {}

  get processes(): readonly ManagedProcess[] {
    return this.children.map((c) => c.managed);
  }

  /** Called when a child exits before `stopAll`. */
  onUnexpectedExit(listener: (child: ManagedProcess, code: number | null) => void): void {
    this.unexpectedExit = listener;
  }

  start(name: string, script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): ManagedProcess {
    const logFile = path.join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    const entry = {
      process: child,
      expectedExit: false,
      managed: {
        name,
        pid: child.pid,
        logFile,
        exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      },
    };
    void entry.managed.exited.then((code) => {
      if (!entry.expectedExit) this.unexpectedExit?.(entry.managed, code);
    });
    this.children.push(entry);
    return entry.managed;
  }

  /** The last lines a child wrote, to explain a failure. */
  tail(child: ManagedProcess, lines = 15): string {
    try {
      return readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Stops children in reverse start order and waits until each has exited. */
  async stopAll(): Promise<void> {
    for (const child of this.children) child.expectedExit = true;
    const running = [...this.children].reverse().filter((c) => c.process.exitCode === null && c.process.signalCode === null);
    for (const child of running) child.process.kill('SIGTERM');
    await Promise.all(
      running.map(async (child) => {
        const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS);
        await child.managed.exited;
        clearTimeout(timer);
      }),
    );
  }
}
