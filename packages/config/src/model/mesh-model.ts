/** Where a model object was declared, for messages that point back at the YAML. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Istio's protocol for a port, from `appProtocol` or the port name's prefix (`http-web` → HTTP). */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'HTTPS' | 'GRPC' | 'GRPC-WEB' | 'TCP' | 'TLS' | 'UDP' | 'MONGO' | 'MYSQL' | 'REDIS' | 'UNKNOWN';

export interface ServicePort {
  port: number;
  /** `''` when the Service has a single unnamed port. */
  name: string;
  /** Named target ports are resolved through the Deployments the Service selects; otherwise `port`. */
  targetPort: number;
  protocol: PortProtocol;
}

export interface MeshService {
  name: string;
  namespace: string;
  /** `name.namespace.svc.cluster.local` */
  fqdn: string;
  ports: ServicePort[];
  /** `undefined` when the Service has no selector (and so no endpoints of its own). */
  selector: Record<string, string> | undefined;
  labels: Record<string, string>;
  source: SourceRef;
}

/** Istio's StringMatch, exactly one of the three set. */
export type StringMatch = { exact: string } | { prefix: string } | { regex: string };

export interface HttpMatchRequest {
  name?: string;
  uri?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers: Record<string, StringMatch>;
  queryParams: Record<string, StringMatch>;
  /** Only for traffic arriving on this service port. */
  port?: number;
  ignoreUriCase: boolean;
  /** Resolved like `VirtualService.gateways`. */
  gateways: string[];
}

export interface RouteDestination {
  /** Resolved to an FQDN when written as a short name. */
  host: string;
  subset?: string;
  port?: number;
  /** Istio's weight; `undefined` means "all of it" for a single destination. */
  weight?: number;
}

export interface HttpRoute {
  name?: string;
  match: HttpMatchRequest[];
  route: RouteDestination[];
  rewriteUri?: string;
  /** Nanoseconds. */
  timeoutNanos?: number;
}

export interface VirtualService {
  name: string;
  namespace: string;
  /** Short names resolved to FQDNs in the VirtualService's namespace. */
  hosts: string[];
  /** `mesh` or `namespace/name`; `['mesh']` when the document names none. */
  gateways: string[];
  http: HttpRoute[];
  source: SourceRef;
}

export interface Subset {
  name: string;
  labels: Record<string, string>;
}

export interface DestinationRule {
  name: string;
  namespace: string;
  /** Resolved to an FQDN when written as a short name. */
  host: string;
  subsets: Subset[];
  source: SourceRef;
}

export interface GatewayServer {
  port: { number: number; name: string; protocol: string };
  hosts: string[];
}

export interface Gateway {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  servers: GatewayServer[];
  source: SourceRef;
}

export interface ContainerSpec {
  name: string;
  image: string;
  args: string[];
  env: { name: string; value: string }[];
  ports: { containerPort: number; name?: string }[];
}

export interface Deployment {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  /** `default` when the pod template names none, as Kubernetes does. */
  serviceAccount: string;
  containers: ContainerSpec[];
  source: SourceRef;
}

export interface ServiceAccount {
  name: string;
  namespace: string;
  source: SourceRef;
}

/** What the compiler needs from the config, as typed objects sorted by namespace and name. */
export interface MeshModel {
  services: MeshService[];
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  gateways: Gateway[];
  deployments: Deployment[];
  serviceAccounts: ServiceAccount[];
  namespaces: string[];
}
