import * as grpc from '@grpc/grpc-js';

/** A real grpc-js server on 127.0.0.1 (port 0), set up by `register` before it binds. */
export async function startGrpcServer(register: (server: grpc.Server) => void): Promise<{ address: string; close(): Promise<void> }> {
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
