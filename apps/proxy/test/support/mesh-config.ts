// The proxy never needs @meshkit/config at run time; its tests use it to compile a real mesh.
export { buildMeshModel, compileProxyConfig, parseConfigFile, parseProxyNode, workloadInstanceOf } from '@meshkit/config';
export type { ProxyNode, WorkloadInstance } from '@meshkit/config';
