import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protobuf } from 'google-gax';

/**
 * The Logging API's .proto files as the client ships them: @google-cloud/logging has none itself, they are in
 * its dependency @google-cloud/logging-api; the google/api, google/rpc and well-known types are google-gax's.
 */
const require = createRequire(import.meta.url);

export function protoDirs(): string[] {
  const loggingApi = require.resolve('@google-cloud/logging-api');
  const gax = require.resolve('google-gax');
  // Both resolve to build/src/index.js; the protos are in build/protos.
  return [join(dirname(loggingApi), '..', 'protos'), join(dirname(gax), '..', 'protos')];
}

export const LOGGING_PROTO = 'google/logging/v2/logging.proto';

export function loggingPackage(): PackageDefinition {
  return loadSync(LOGGING_PROTO, {
    includeDirs: protoDirs(),
    longs: String,
    enums: String,
    oneofs: true,
    defaults: true,
  });
}

/** The same files in protobufjs, for encoding messages the service definition does not cover (status details). */
export function loggingRoot(): protobuf.Root {
  const root = new protobuf.Root();
  const dirs = protoDirs();
  root.resolvePath = (_origin, target) => {
    for (const dir of dirs) {
      const path = join(dir, target);
      try {
        require.resolve(path);
        return path;
      } catch {
        // not in this directory
      }
    }
    return target;
  };
  root.loadSync([LOGGING_PROTO, 'google/rpc/status.proto']);
  return root;
}
