/** Line and column (1-based) of a node in a YAML file. */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

export interface ResourceMetadata {
  name: string;
  /** `default` when the document names none, as `kubectl apply` would do. */
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One Kubernetes-style document from a config file, with the means to locate its fields. */
export interface ConfigResource {
  apiVersion: string;
  kind: string;
  metadata: ResourceMetadata;
  /** The document's `spec` as plain JSON (`undefined` when absent). */
  spec: unknown;
  /** The whole document as plain JSON, unknown keys included. */
  raw: unknown;
  /** Where the document starts. */
  source: { file: string; line: number; column: number };
  /**
   * Where a field sits, for a path such as `spec.http[0].route[1].weight`: the position of the
   * mapping key for a field, of the item for an index. `undefined` when the path is absent.
   */
  positionOf(fieldPath: string): LineColumn | undefined;
}
