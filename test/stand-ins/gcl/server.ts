import {
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { admitEntries, type StoredEntry, type WireRequest } from './entries.js';
import { listEntries, type ListRequest } from './list.js';
import { loggingPackage, loggingRoot } from './protos.js';
import {
  DEFAULT_RETENTION_MS,
  INVALID_ARGUMENT,
  isRefusal,
  MAX_REQUEST_BYTES,
  type Refusal,
} from './rules.js';

export type { StoredEntry, WireEntry } from './entries.js';

/**
 * A Cloud Logging stand-in: google.logging.v2.LoggingServiceV2 over gRPC on loopback, built from the .proto
 * files the client ships, reached by the real @google-cloud/logging client. WriteLogEntries enforces the
 * service's limits (rules.ts) and partial_success; ListLogEntries answers as a query does, one entry per
 * (project, timestamp, insertId). Every accepted entry is also kept raw, so tests count duplicates.
 */
export interface WriteRecord {
  readonly bytes: number;
  readonly entries: number;
  readonly partialSuccess: boolean;
  /** The gRPC status answered: 0 for OK. */
  readonly code: number;
  readonly stored: number;
  readonly refused: number;
}

export interface GclFaults {
  /** The next `count` writes fail with `code`; when `afterStore`, their entries are stored first (a lost answer). */
  readonly failWrites?: { readonly code: number; readonly count: number; readonly afterStore?: boolean };
  /** Added to every WriteLogEntries call. */
  readonly latencyMs?: number;
  /** Every entry about an object of this kind is refused with `code` (INVALID_ARGUMENT by default). */
  readonly rejectKind?: { readonly kind: string; readonly code?: number };
}

export interface GclStandIn {
  /** HOST:PORT, for the sink's endpoint option. */
  readonly endpoint: string;
  readonly port: number;
  readonly writes: readonly WriteRecord[];
  /** Every entry accepted, duplicates and diagnostic entries included, in arrival order. */
  readonly received: readonly StoredEntry[];
  /** Label keys or values the service would have cut. */
  readonly labelsCut: number;
  /** What a query returns: one entry per (project, timestamp, insertId), none past retention. */
  distinctEntries(): StoredEntry[];
  setFaults(faults: GclFaults): void;
  reset(): void;
  stop(): Promise<void>;
}

export interface GclStandInOptions {
  readonly now?: () => number;
  readonly retentionMs?: number;
}

const PARTIAL_ERRORS = 'google.logging.v2.WriteLogEntriesPartialErrors';

export async function startGclStandIn(options: GclStandInOptions = {}): Promise<GclStandIn> {
  const now = options.now ?? Date.now;
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pkg = loggingPackage();
  const root = loggingRoot();
  const statusType = root.lookupType('google.rpc.Status');
  const partialType = root.lookupType(PARTIAL_ERRORS);
  const def = pkg['google.logging.v2.LoggingServiceV2'] as ServiceDefinition;
  const writeDef = def['WriteLogEntries'] as ServiceDefinition[string];
  // The request's own bytes, for the request and entry size limits, next to the decoded request.
  const service: ServiceDefinition = {
    ...def,
    WriteLogEntries: {
      ...writeDef,
      requestDeserialize: (raw: Buffer) => ({ request: writeDef.requestDeserialize(raw), raw }),
    },
  };

  let faults: GclFaults = {};
  let writes: WriteRecord[] = [];
  let received: StoredEntry[] = [];
  let labelsCut = 0;
  let generatedIds = 0;

  const statusDetails = (refusal: Refusal, errors: Map<number, Refusal>): Metadata => {
    const metadata = new Metadata();
    const logEntryErrors: Record<number, Refusal> = {};
    for (const [i, e] of errors) logEntryErrors[i] = e;
    const value = partialType.encode(partialType.fromObject({ logEntryErrors })).finish();
    const status = statusType.fromObject({
      code: refusal.code,
      message: refusal.message,
      // protobufjs predefines google.protobuf.Any with its proto field names.
      details: [{ type_url: `type.googleapis.com/${PARTIAL_ERRORS}`, value }],
    });
    metadata.set('grpc-status-details-bin', Buffer.from(statusType.encode(status).finish()));
    return metadata;
  };

  const write = async (
    call: ServerUnaryCall<{ request: WireRequest; raw: Buffer }, unknown>,
    callback: sendUnaryData<unknown>,
  ): Promise<void> => {
    const { request, raw } = call.request;
    const f = faults;
    if (f.latencyMs !== undefined && f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    const record = (code: number, stored: number, refused: number): void => {
      writes.push({
        bytes: raw.length,
        entries: request.entries.length,
        partialSuccess: request.partialSuccess,
        code,
        stored,
        refused,
      });
    };
    const failing = f.failWrites !== undefined && f.failWrites.count > 0 ? f.failWrites : undefined;
    if (failing !== undefined) faults = { ...f, failWrites: { ...failing, count: failing.count - 1 } };
    if (failing !== undefined && failing.afterStore !== true) {
      record(failing.code, 0, 0);
      return callback({ code: failing.code, details: 'the stand-in was told to fail this write' });
    }
    if (raw.length > MAX_REQUEST_BYTES) {
      record(INVALID_ARGUMENT, 0, request.entries.length);
      return callback({
        code: INVALID_ARGUMENT,
        details: `Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`,
      });
    }
    const {
      accepted,
      errors,
      labelsCut: cut,
    } = admitEntries(request, raw, {
      now: now(),
      retentionMs,
      rejectKind: f.rejectKind,
      nextId: () => `stand-in-${++generatedIds}`,
    });
    const first = errors.values().next().value;
    if (first !== undefined && (!request.partialSuccess || accepted.length === 0)) {
      // Without partial success one bad entry fails the request; with it, a request that wrote nothing has no details.
      record(first.code, 0, request.entries.length);
      return callback({ code: first.code, details: first.message });
    }
    received.push(...accepted);
    labelsCut += cut;
    if (failing !== undefined) {
      record(failing.code, accepted.length, errors.size);
      return callback({
        code: failing.code,
        details: 'the stand-in stored the entries, then was told to fail',
      });
    }
    if (first !== undefined) {
      record(first.code, accepted.length, errors.size);
      return callback({ code: first.code, details: first.message, metadata: statusDetails(first, errors) });
    }
    record(0, accepted.length, 0);
    callback(null, {});
  };

  const distinctEntries = (): StoredEntry[] => {
    const seen = new Map<string, StoredEntry>();
    for (const e of received) {
      if (e.expired) continue;
      const key = `${e.project}\u0000${e.timestamp}\u0000${e.insertId}`;
      if (!seen.has(key)) seen.set(key, e);
    }
    return [...seen.values()];
  };

  const server = new Server({ 'grpc.max_receive_message_length': 4 * MAX_REQUEST_BYTES });
  server.addService(service, {
    WriteLogEntries: (
      call: ServerUnaryCall<{ request: WireRequest; raw: Buffer }, unknown>,
      cb: sendUnaryData<unknown>,
    ) => {
      write(call, cb).catch((err: Error) => cb({ code: 13, details: `stand-in failure: ${err.message}` }));
    },
    ListLogEntries: (call: ServerUnaryCall<ListRequest, unknown>, cb: sendUnaryData<unknown>) => {
      const answer = listEntries(call.request, distinctEntries());
      if (isRefusal(answer)) cb({ code: answer.code, details: answer.message });
      else cb(null, answer);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    get writes() {
      return writes;
    },
    get received() {
      return received;
    },
    get labelsCut() {
      return labelsCut;
    },
    distinctEntries,
    setFaults(next) {
      faults = next;
    },
    reset() {
      faults = {};
      writes = [];
      received = [];
      labelsCut = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Calls still open (a latency fault) are cut after a moment rather than holding the test up.
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000).unref();
      }),
  };
}
