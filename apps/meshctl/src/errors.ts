import { defineError } from '@meshkit/core';

/** `meshctl up` could not bring the mesh up; everything it started has been stopped. */
export const MeshStartError = defineError('MESHKIT_MESHCTL_START', 'MeshStartError', (reason: string) => reason);

/** A Deployment names an image meshctl cannot run locally. */
export const UnknownImageError = defineError(
  'MESHKIT_MESHCTL_UNKNOWN_IMAGE',
  'UnknownImageError',
  (deployment: string, image: string) =>
    `Deployment ${deployment}: image '${image}' is not one meshctl can run (meshkit/bookinfo, meshkit/proxy)`,
);
