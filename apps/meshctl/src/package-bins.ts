import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built entry point (`dist/main.js`) of a workspace app this CLI depends on. */
function mainOf(pkg: string): string {
  const index = fileURLToPath(import.meta.resolve(pkg));
  return path.join(path.dirname(index), 'main.js');
}

export const bins = {
  proxy: (): string => mainOf('@meshkit/proxy'),
  controlPlane: (): string => mainOf('@meshkit/controlplane'),
  bookinfo: (): string => mainOf('@meshkit/bookinfo'),
};

/** The demo's own config, shipped with this package. */
export const DEMO_CONFIG_DIR = fileURLToPath(new URL('../demo', import.meta.url));
