import { afterEach, describe, expect, it } from 'vitest';
import { httpListener } from '../../test/support/static-bootstrap.js';
import { proxyFilterRegistry, proxyNetworkFilterRegistry } from '../../test/support/filter-registry.js';
import { translateListener } from '../xds/listener-translator.js';
import { ListenerManager } from './listener-manager.js';

const context = { secrets: { identity: undefined }, httpFilters: proxyFilterRegistry(), networkFilters: proxyNetworkFilterRegistry() };
const spec = (name: string) => translateListener(httpListener(name, 0), context);
const noRoutes = () => null;
const managers: ListenerManager[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close()));
});

function manager(): ListenerManager {
  const made = new ListenerManager(() => undefined);
  managers.push(made);
  return made;
}

/** A warm-up the test ends by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('ListenerManager warming', () => {
  it('binds a new listener only once its warm-up ends', async () => {
    const listeners = manager();
    const warm = gate();
    const bound = listeners.apply([spec('late')], noRoutes, () => warm.promise);
    const late = listeners.listeners[0];
    expect(late?.warming).toBe(true);
    expect(late?.server.listening).toBe(false);
    warm.open();
    await bound;
    expect(late?.warming).toBe(false);
    expect(late?.server.listening).toBe(true);
  });

  it('never binds a warming listener that was removed meanwhile', async () => {
    const listeners = manager();
    const removedWarm = gate();
    void listeners.apply([spec('gone')], noRoutes, () => removedWarm.promise);
    const gone = listeners.listeners[0];
    await listeners.apply([], noRoutes);
    removedWarm.open();
    await gone?.bound;
    expect(gone?.server.listening).toBe(false);
  });

  it('binds a warming listener as its newest version, once that version has warmed', async () => {
    const listeners = manager();
    const first = gate();
    const olderBound = listeners.apply([spec('twice')], noRoutes, () => first.promise);
    const warming = listeners.listeners[0];
    const second = gate();
    const newer = spec('twice');
    const newerBound = listeners.apply([newer], noRoutes, () => second.promise);
    expect(listeners.listeners[0]).toBe(warming);
    first.open();
    await first.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(warming?.server.listening).toBe(false); // the older version's warm-up no longer counts
    second.open();
    await Promise.all([olderBound, newerBound]);
    expect(warming?.server.listening).toBe(true);
    expect(warming?.spec).toBe(newer);
  });

  it('keeps a serving listener on its chains until an update warms, and a later update wins', async () => {
    const listeners = manager();
    await listeners.apply([spec('live')], noRoutes);
    const live = listeners.listeners[0];
    const slow = gate();
    const fast = gate();
    const update = spec('live');
    void listeners.apply([update], noRoutes, () => slow.promise);
    expect(live?.pendingSpec).toBe(update);
    const latest = spec('live');
    void listeners.apply([latest], noRoutes, () => fast.promise);
    fast.open();
    await fast.promise;
    expect(live?.spec).toBe(latest);
    expect(live?.pendingSpec).toBeUndefined();
    slow.open();
    await slow.promise;
    expect(live?.spec).toBe(latest); // the slower, older update does not take over afterwards
    expect(live?.server.listening).toBe(true);
  });
});
