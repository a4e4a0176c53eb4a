import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../errors.js';
import { parseConfigFile } from '../parse/parse-config-file.js';
import { collectValidationErrors, validateResource } from './validate-resource.js';

function only(text: string, file = 'test.yaml') {
  const [resource] = parseConfigFile(text, file);
  if (!resource) throw new Error('no document');
  return resource;
}

/** `file:line:column field reason` of every error, for compact assertions. */
function errorsOf(text: string): string[] {
  return collectValidationErrors(only(text)).map((e) => `${e.line}:${e.column} ${e.field}: ${e.reason}`);
}

const VS_HEAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
`;

describe('validateResource', () => {
  it('names file, line, column and field of a weight out of range', () => {
    const text = `${VS_HEAD}  hosts: [reviews]
  http:
    - route:
      - destination: {host: reviews, subset: v1}
        weight: 50
      - destination: {host: reviews, subset: v3}
        weight: 150
`;
    let caught: unknown;
    try {
      validateResource(only(text, 'bookinfo.yaml'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const error = caught as ConfigValidationError;
    expect(error.code).toBe('MESHKIT_CONFIG_INVALID');
    expect(error.message).toBe('bookinfo.yaml:12:9: spec.http[0].route[1].weight: must be an integer between 0 and 100');
    expect({ file: error.file, line: error.line, column: error.column, field: error.field }).toEqual({
      file: 'bookinfo.yaml',
      line: 12,
      column: 9,
      field: 'spec.http[0].route[1].weight',
    });
  });

  it('accepts a valid VirtualService', () => {
    const text = `${VS_HEAD}  hosts: [reviews]
  gateways: [mesh, istio-system/ingress]
  http:
  - name: jason
    match:
    - uri: {prefix: /reviews}
      headers:
        end-user: {exact: jason}
    rewrite: {uri: /}
    timeout: 1.5s
    route:
    - destination: {host: reviews, subset: v2, port: {number: 9080}}
`;
    expect(() => validateResource(only(text))).not.toThrow();
  });

  it('requires weights of several destinations to sum to 100', () => {
    const text = `${VS_HEAD}  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v3}
      weight: 40
`;
    expect(errorsOf(text)).toEqual(['8:5 spec.http[0].route: weights must sum to 100, not 90']);
  });

  it('points a missing required field at its nearest enclosing field', () => {
    const text = `${VS_HEAD}  http:
  - route:
    - destination: {subset: v1}
`;
    expect(errorsOf(text)).toEqual([
      '5:1 spec.hosts: is required',
      '8:7 spec.http[0].route[0].destination.host: is required',
    ]);
  });

  it('requires exactly one of exact, prefix and regex in a StringMatch, and a valid regex', () => {
    const text = `${VS_HEAD}  hosts: [reviews]
  http:
  - match:
    - uri: {exact: /a, prefix: /b}
      headers:
        end-user: {regex: "(unclosed"}
    route:
    - destination: {host: reviews}
`;
    expect(errorsOf(text)).toEqual([
      '9:7 spec.http[0].match[0].uri: must set exactly one of exact, prefix or regex',
      '11:20 spec.http[0].match[0].headers.end-user.regex: is not a valid regular expression: "(unclosed"',
    ]);
  });

  it('checks ports, timeouts and rewrites', () => {
    const text = `${VS_HEAD}  hosts: [reviews]
  http:
  - timeout: soon
    rewrite: {}
    route:
    - destination: {host: reviews, port: {number: 70000}}
`;
    expect(errorsOf(text)).toEqual([
      '8:5 spec.http[0].timeout: must be a duration such as 10s or 1h30m, not "soon"',
      '9:5 spec.http[0].rewrite: must set uri, uriRegexRewrite or authority',
      '11:43 spec.http[0].route[0].destination.port.number: must be an integer between 1 and 65535',
    ]);
  });

  it('checks DestinationRule host, subset names and their uniqueness', () => {
    const text = `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: reviews
spec:
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v1
    labels: {version: 2}
`;
    expect(errorsOf(text)).toEqual([
      '5:1 spec.host: is required',
      '9:5 spec.subsets[1].name: duplicate subset name "v1" (first at spec.subsets[0])',
      '10:14 spec.subsets[1].labels.version: must be a string',
    ]);
  });

  it('checks Gateway servers: port number, name, protocol and hosts', () => {
    const text = `apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata:
  name: gw
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8080, protocol: SMTP}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
`;
    expect(errorsOf(text)).toEqual([
      '8:5 spec.servers[0].port.name: is required',
      '8:5 spec.servers[0].hosts: is required',
      '8:26 spec.servers[0].port.protocol: must be one of HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, TCP, TLS',
      '9:5 spec.servers[1].tls: is required',
    ]);
  });

  it('checks Service ports and Deployment templates', () => {
    expect(
      errorsOf(`apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  selector: {app: reviews}
  ports:
  - port: 9080
    targetPort: 0
  - port: 9081
`),
    ).toEqual([
      '7:5 spec.ports[0].name: is required',
      '8:5 spec.ports[0].targetPort: must be an integer between 1 and 65535',
      '9:5 spec.ports[1].name: is required',
    ]);
    expect(
      errorsOf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1}
spec:
  selector:
    matchLabels: {app: reviews, version: v1}
  template:
    metadata:
      labels: {app: reviews, version: v2}
    spec:
      containers:
      - name: reviews
        args: [--port, 9080]
`),
    ).toEqual([
      '9:7 spec.template.metadata.labels: must match spec.selector.matchLabels (version: v1)',
      '12:9 spec.template.spec.containers[0].image: is required',
      '13:24 spec.template.spec.containers[0].args[1]: must be a string',
    ]);
  });

  it('checks metadata for every kind, and only metadata for kinds it does not know', () => {
    expect(
      errorsOf(`apiVersion: example.com/v1
kind: Widget
metadata:
  name: Not_A_Name
spec: {anything: [1, 2]}
`),
    ).toEqual(['4:3 metadata.name: must be a lowercase DNS name (a-z, 0-9, "-", ".")']);
    expect(errorsOf('apiVersion: v1\nkind: ServiceAccount\n')).toEqual(['1:1 metadata: is required']);
    expect(errorsOf('apiVersion: v1\nkind: Namespace\nmetadata: {name: bookinfo}\n')).toEqual([]);
  });
});
