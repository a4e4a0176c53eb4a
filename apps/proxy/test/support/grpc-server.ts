import { createRequire } from 'node:module';
import type { AdsServer } from '@meshkit/xds';

type GrpcServer = Parameters<AdsServer['addTo']>[0];
type ServerCredentials = Parameters<GrpcServer['bindAsync']>[1];

// The proxy does not depend on grpc-js itself; the tests use the very copy @meshkit/xds is built on.
const grpc = createRequire(import.meta.resolve('@meshkit/xds'))('@grpc/grpc-js') as {
  Server: new () => GrpcServer;
  ServerCredentials: { createInsecure(): ServerCredentials };
};

/** A real grpc-js server on 127.0.0.1 (port 0), set up by `register` before it binds. */
export async function startGrpcServer(register: (server: GrpcServer) => void): Promise<{ address: string; close(): Promise<void> }> {
  const server = new grpc.Server();
  register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error))),
  );
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      server.forceShutdown();
      return Promise.resolve();
    },
  };
}
