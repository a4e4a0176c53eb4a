export { meshUp } from './up.js';
export type { RunningMesh, UpOptions } from './up.js';
export { applyFile } from './apply.js';
export type { ApplyOutcome } from './apply.js';
export { planMesh } from './mesh-plan.js';
export type { AppPlan, MeshPlan, PodPlan } from './mesh-plan.js';
export { bootstrapFor } from './bootstrap.js';
export { MeshStartError, UnknownImageError } from './errors.js';
