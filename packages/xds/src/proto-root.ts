import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { ProtoLoadError, UnknownTypeError } from './errors.js';
import { ENVOY_PROTO_FILES, GRPC_JS_XDS_INCLUDE_DIRS } from './proto-files.js';

let loadedRoot: protobuf.Root | undefined;

function includeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const xdsDir = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  // protobufjs bundles the common google/protobuf types itself, but not descriptor.proto,
  // which the validate/annotation imports need: it ships that file in its own directory.
  const protobufDir = path.dirname(require.resolve('protobufjs/package.json'));
  return [...GRPC_JS_XDS_INCLUDE_DIRS.map((dir) => path.join(xdsDir, dir)), protobufDir];
}

function loadRoot(): protobuf.Root {
  const dirs = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  try {
    // keepCase: reflection field names are the .proto's snake_case names, which is exactly
    // the JSON form resources are written in, so no name mapping happens anywhere.
    root.loadSync([...ENVOY_PROTO_FILES], { keepCase: true });
    root.resolveAll();
  } catch (cause) {
    throw new ProtoLoadError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  return root;
}

/** The Envoy type registry, parsed from the .proto files on first use (about 0.3 s) and kept. */
export function envoyProtoRoot(): protobuf.Root {
  loadedRoot ??= loadRoot();
  return loadedRoot;
}

/** The message type for a full name (`envoy.config.cluster.v3.Cluster`), or null. */
export function findMessageType(typeName: string): protobuf.Type | null {
  const found = envoyProtoRoot().lookup(typeName.startsWith('.') ? typeName : `.${typeName}`);
  return found instanceof protobuf.Type ? found : null;
}

/** Like `findMessageType`, but an unknown name is an error naming `path`. */
export function requireMessageType(typeName: string, typeUrl: string, path: string): protobuf.Type {
  const type = typeName === '' ? null : findMessageType(typeName);
  if (type === null) throw new UnknownTypeError(path, typeUrl);
  return type;
}
