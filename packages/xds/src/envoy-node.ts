/**
 * Envoy's `envoy.config.core.v3.Node` in JSON form, as a proxy sends it on the first
 * request of a stream. `metadata` is a Struct, i.e. plain JSON.
 */
export interface EnvoyNode {
  id: string;
  cluster?: string;
  metadata?: Record<string, unknown>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
  user_agent_name?: string;
  user_agent_version?: string;
  client_features?: string[];
  /** Any other Node field, in snake_case JSON form. */
  [field: string]: unknown;
}
