export { startControlPlane } from './control-plane.js';
export type { ControlPlaneOptions, RunningControlPlane } from './control-plane.js';
export { ConfigStore } from './config-store.js';
export type { ApplyResult } from './config-store.js';
export { MeshController } from './mesh-controller.js';
export type { ProxyStatus } from './mesh-controller.js';
export { ConfigSourceError } from './errors.js';
