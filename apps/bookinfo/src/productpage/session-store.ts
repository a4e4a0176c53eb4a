import { randomBytes } from 'node:crypto';

/** Enough for a demo's users while keeping a flood of logins from growing memory without end. */
const DEFAULT_MAX_SESSIONS = 10_000;

/**
 * Signed-in users by session id. The cookie carries only a random id; the user name stays
 * here, so a client cannot forge a session for a user it did not sign in as.
 */
export class SessionStore {
  readonly #users = new Map<string, string>();
  readonly #maxSessions: number;

  constructor(maxSessions = DEFAULT_MAX_SESSIONS) {
    this.#maxSessions = maxSessions;
  }

  create(user: string): string {
    const id = randomBytes(24).toString('base64url');
    this.#users.set(id, user);
    if (this.#users.size > this.#maxSessions) {
      // Maps iterate in insertion order, so the first key is the oldest session.
      const oldest = this.#users.keys().next();
      if (oldest.done !== true) this.#users.delete(oldest.value);
    }
    return id;
  }

  user(id: string | undefined): string | undefined {
    return id === undefined ? undefined : this.#users.get(id);
  }

  destroy(id: string | undefined): void {
    if (id !== undefined) this.#users.delete(id);
  }

  get size(): number {
    return this.#users.size;
  }
}
