import { PubSub, type ClientConfig } from '@google-cloud/pubsub';
import { grpc } from 'google-gax';
import { encodeShardMessage, type ShardMessage } from './shard-message.js';

/** Where the coordinator sends its shards. */
export interface ShardPublisher {
  /** Publishes every message; resolves when Pub/Sub has accepted all of them, rejects if any failed. */
  publish(messages: readonly ShardMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Client options: the real service, or an emulator named by PUBSUB_EMULATOR_HOST (host:port), reached without
 * TLS and without credentials, so no Google identity or metadata server is ever consulted.
 */
export function pubsubOptions(
  project: string,
  env: Readonly<Record<string, string | undefined>>,
): ClientConfig {
  const emulator = env['PUBSUB_EMULATOR_HOST'];
  if (emulator === undefined || emulator === '') return { projectId: project };
  const colon = emulator.lastIndexOf(':');
  return {
    projectId: project,
    servicePath: emulator.slice(0, colon),
    port: Number(emulator.slice(colon + 1)),
    // Plain text to a loopback emulator: no TLS, and no request signing (so no credentials are looked up).
    sslCreds: grpc.credentials.createInsecure(),
  };
}

export function pubsubPublisher(topicName: string, options: ClientConfig): ShardPublisher {
  const client = new PubSub(options);
  // Shards go out together: one request carries up to 100 of them.
  const topic = client.topic(topicName, { batching: { maxMessages: 100, maxMilliseconds: 5 } });
  return {
    publish: async (messages) => {
      await Promise.all(messages.map((m) => topic.publishMessage(encodeShardMessage(m))));
    },
    close: () => client.close(),
  };
}
