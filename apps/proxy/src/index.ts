export { startProxy } from './proxy.js';
export type { ProxyOptions, RunningProxy } from './proxy.js';
export { parseBootstrap } from './bootstrap/bootstrap.js';
export type { Bootstrap } from './bootstrap/bootstrap.js';
export { BootstrapError, ListenerBindError, ResourceError } from './errors.js';
