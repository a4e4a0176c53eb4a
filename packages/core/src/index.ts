export { MeshkitError, defineError, isMeshkitError } from './errors.js';
export type { MeshkitErrorClass, MeshkitErrorOptions } from './errors.js';
