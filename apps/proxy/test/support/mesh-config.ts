// @meshkit/config is not a declared dependency of the proxy (the proxy must not need it at run
// time), so the tests that compile a real mesh load its build from the workspace.
export { buildMeshModel, compileProxyConfig, parseConfigFile, parseProxyNode, workloadInstanceOf } from '../../../../packages/config/dist/index.js';
export type { ProxyNode, WorkloadInstance } from '../../../../packages/config/dist/index.js';
