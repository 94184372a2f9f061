/** What the scale bench and its shard processes agree on, apart from types (the worker's module runs on import). */
export const CLUSTER = 'scale';
