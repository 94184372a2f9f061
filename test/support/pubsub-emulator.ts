import { gcloudEmulatorReady, startServerProcess, type ServerProcess } from './processes.js';

/**
 * The Pub/Sub emulator from the gcloud SDK on a free loopback port, with its REST API for the set-up a test
 * needs: topics, push subscriptions (the emulator pushes to a Functions Framework URL as Pub/Sub push does)
 * and raw publishing.
 */
export interface PubSubEmulator extends ServerProcess {
  /** host:port, the value of PUBSUB_EMULATOR_HOST. */
  readonly host: string;
  createTopic(topic: string): Promise<void>;
  /** A push subscription on `topic` delivering to `endpoint`; `ackDeadlineSeconds` bounds one delivery. */
  createPushSubscription(
    subscription: string,
    topic: string,
    endpoint: string,
    ackDeadlineSeconds?: number,
  ): Promise<void>;
  /** Publishes raw messages (data as given) and answers their ids. */
  publish(
    topic: string,
    messages: readonly { data: Buffer; attributes?: Record<string, string> }[],
  ): Promise<string[]>;
}

export async function startPubSubEmulator(projectId: string): Promise<PubSubEmulator> {
  const proc = await startServerProcess({
    name: 'Pub/Sub emulator',
    command: 'gcloud',
    args: (port) => [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=127.0.0.1:${port}`,
      `--project=${projectId}`,
      '--quiet',
    ],
    timeoutMs: 60_000,
    ready: gcloudEmulatorReady,
  });
  const host = `127.0.0.1:${proc.port}`;
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`http://${host}/v1/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Pub/Sub emulator ${method} ${path}: HTTP ${res.status} ${text}`);
    return text === '' ? {} : (JSON.parse(text) as unknown);
  };
  const topicPath = (topic: string): string => `projects/${projectId}/topics/${topic}`;
  return {
    ...proc,
    host,
    createTopic: async (topic) => void (await api('PUT', topicPath(topic))),
    createPushSubscription: async (subscription, topic, endpoint, ackDeadlineSeconds = 60) =>
      void (await api('PUT', `projects/${projectId}/subscriptions/${subscription}`, {
        topic: topicPath(topic),
        ackDeadlineSeconds,
        pushConfig: { pushEndpoint: endpoint },
      })),
    publish: async (topic, messages) => {
      const answer = (await api('POST', `${topicPath(topic)}:publish`, {
        messages: messages.map((m) => ({ data: m.data.toString('base64'), attributes: m.attributes ?? {} })),
      })) as { messageIds: string[] };
      return answer.messageIds;
    },
  };
}
