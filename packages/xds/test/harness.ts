import * as grpc from '@grpc/grpc-js';

/** Binds a grpc-js server on 127.0.0.1 (port 0 = any free port) and returns the port. */
export async function listen(server: grpc.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** A FIFO of stream messages with bounded waits, for scripted protocol exchanges. */
export class Inbox<T> {
  readonly #items: T[] = [];
  #waiter: (() => void) | undefined;
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
    this.#waiter?.();
  }

  get received(): readonly T[] {
    return this.#items;
  }

  async next(what: string, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.#head >= this.#items.length) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    const item = this.#items[this.#head] as T;
    this.#head += 1;
    return item;
  }

  /** Asserts that nothing new arrives for `ms`. */
  async expectNothing(ms: number, what: string): Promise<void> {
    const before = this.#items.length;
    await sleep(ms);
    if (this.#items.length !== before) {
      throw new Error(`expected no ${what}, got ${JSON.stringify(this.#items.slice(before))}`);
    }
  }
}
