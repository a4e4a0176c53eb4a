export { MeshkitError, defineError, isMeshkitError } from './errors.js';
export type { MeshkitErrorClass, MeshkitErrorOptions } from './errors.js';
export { parseSubjectAltNames } from './subject-alt-names.js';
export type { SubjectAltNameEntry } from './subject-alt-names.js';
export { flushAfterReads } from './after-reads.js';
export { adoptAcceptedSocket, readOnWhilePaused, sharedBufferReads } from './socket-reads.js';
export { copyHeaderFields, newHeaderFields } from './header-map.js';
export type { HeaderFields } from './header-map.js';
