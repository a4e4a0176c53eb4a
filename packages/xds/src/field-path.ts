/** Field paths as they appear in error messages: `filter_chains[0].filters[0].typed_config`. */
export function fieldPath(parent: string, field: string): string {
  return parent === '' ? field : `${parent}.${field}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export function keyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

/** How the resource itself is named when the problem is at its top level. */
export function displayPath(path: string): string {
  return path === '' ? '(resource)' : path;
}
