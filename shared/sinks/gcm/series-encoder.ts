import type { PointLabels } from '../../metrics/labels.js';
import type { Batch } from '../../metrics/model.js';
import type { TimeSeries } from './api.js';
import { walkRound, type EncodeOptions, type MetricPlan, type SeriesReceiver } from './encode.js';
import type { SetTarget } from './resources.js';
import {
  KIND_NUMBER,
  metricLabelsField,
  metricTypeField,
  nameField,
  NO_BYTES,
  RequestBuilder,
  resourceField,
  timeField,
  VALUE_TYPE_NUMBER,
  type EncodedRequest,
  type SeriesParts,
} from './wire.js';

/**
 * Rounds as requests in wire format. A warm instance writes the same series round after round, so the bytes of
 * each monitored resource, its metric labels, each point's labels and each cumulative start are kept from one
 * round to the next; a round only adds its points. What the last two rounds did not use is forgotten, which
 * bounds the memory to about two rounds' worth of entities. Keep one per sink.
 */
interface TargetBytes {
  readonly resource: Buffer;
  readonly labels: Buffer;
  startMs: number;
  start: Buffer;
}

/** A map that forgets what the last two generations (rounds) did not use. */
class Generations<V> {
  private readonly entries = new Map<string, { value: V; used: number }>();
  private generation = 0;

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    e.used = this.generation;
    return e.value;
  }

  set(key: string, value: V): void {
    this.entries.set(key, { value, used: this.generation });
  }

  /** Starts a generation: what the one before did not use goes. */
  age(): void {
    this.generation++;
    const oldest = this.generation - 1;
    for (const [key, e] of this.entries) if (e.used < oldest) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class SeriesEncoder {
  private project: string | undefined;
  private name: Buffer = NO_BYTES;
  private readonly targets = new Generations<TargetBytes>();
  private readonly pointLabels = new Generations<Buffer>();
  private readonly typeNames: string[] = [];
  private readonly types: Buffer[] = [];
  /** Bytes of the last request of the last round: the next ones are about as large. */
  private capacity = 64 * 1024;

  /** The round's requests of at most 200 series, cut as the batch is walked. */
  *requests(
    batch: Batch,
    options: EncodeOptions,
    dropped: Record<string, number>,
  ): Generator<EncodedRequest, void, undefined> {
    if (options.project !== this.project) {
      this.project = options.project;
      this.name = nameField(options.project);
    }
    this.targets.age();
    this.pointLabels.age();
    const builder = new RequestBuilder(this.name, this.capacity);
    const parts: { -readonly [K in keyof SeriesParts]: SeriesParts[K] } = {
      type: NO_BYTES,
      labels: NO_BYTES,
      pointLabels: NO_BYTES,
      resource: NO_BYTES,
      kind: 0,
      valueType: 0,
      start: NO_BYTES,
      end: timeField(0x12, batch.timestamp),
    };
    let lastTarget: SetTarget | undefined;
    let entry: TargetBytes | undefined;
    const receiver: SeriesReceiver = {
      series: (target, plan, start, value, pointLabels, pointKey) => {
        if (target !== lastTarget) {
          lastTarget = target;
          entry = this.targetBytes(target);
          parts.resource = entry.resource;
          parts.labels = entry.labels;
        }
        const bytes = entry as TargetBytes;
        parts.type = this.typeBytes(plan);
        parts.kind = KIND_NUMBER[plan.kind];
        parts.valueType = VALUE_TYPE_NUMBER[plan.valueType];
        parts.pointLabels = pointKey === '' ? NO_BYTES : this.pointLabelBytes(pointKey, pointLabels);
        if (!plan.cumulative) parts.start = NO_BYTES;
        else {
          if (bytes.startMs !== start) {
            bytes.startMs = start;
            bytes.start = timeField(0x0a, start);
          }
          parts.start = bytes.start;
        }
        builder.add(parts, plan.int, value);
      },
    };
    for (const _ of walkRound(batch, options, dropped, receiver))
      for (let r = builder.ready.shift(); r !== undefined; r = builder.ready.shift()) yield r;
    builder.flush();
    this.capacity = builder.capacityHint;
    for (let r = builder.ready.shift(); r !== undefined; r = builder.ready.shift()) yield r;
  }

  /** Entities remembered (for tests of the bound). */
  get remembered(): number {
    return this.targets.size;
  }

  private targetBytes(target: SetTarget): TargetBytes {
    let bytes = this.targets.get(target.key);
    if (bytes === undefined) {
      bytes = {
        resource: resourceField(target.resource.type, target.resource.labels),
        labels: metricLabelsField(target.metricLabels),
        startMs: NaN,
        start: NO_BYTES,
      };
      this.targets.set(target.key, bytes);
    }
    return bytes;
  }

  private typeBytes(plan: MetricPlan): Buffer {
    if (this.typeNames[plan.id] !== plan.type) {
      this.typeNames[plan.id] = plan.type;
      this.types[plan.id] = metricTypeField(plan.type);
    }
    return this.types[plan.id] as Buffer;
  }

  private pointLabelBytes(key: string, pointLabels: PointLabels | undefined): Buffer {
    let bytes = this.pointLabels.get(key);
    if (bytes === undefined) {
      const labels: Record<string, string> = {};
      for (const k in pointLabels) {
        const v = pointLabels[k as keyof PointLabels];
        if (v !== undefined && v !== '') labels[k] = v;
      }
      this.pointLabels.set(key, (bytes = metricLabelsField(labels)));
    }
    return bytes;
  }
}

/** Series given as objects, as requests of at most 200 (the same bytes as a round's). */
export function requestsOf(project: string, series: readonly TimeSeries[]): EncodedRequest[] {
  const builder = new RequestBuilder(nameField(project), 1024);
  for (const s of series) {
    const { startTime, endTime } = s.points[0].interval;
    const ms = (t: { seconds: number; nanos: number }): number => t.seconds * 1000 + t.nanos / 1e6;
    const v = s.points[0].value;
    builder.add(
      {
        type: metricTypeField(s.metric.type),
        labels: metricLabelsField(s.metric.labels),
        pointLabels: NO_BYTES,
        resource: resourceField(s.resource.type, s.resource.labels),
        kind: KIND_NUMBER[s.metricKind],
        valueType: VALUE_TYPE_NUMBER[s.valueType],
        start: startTime === undefined ? NO_BYTES : timeField(0x0a, ms(startTime)),
        end: timeField(0x12, ms(endTime)),
      },
      'int64Value' in v,
      'int64Value' in v ? v.int64Value : v.doubleValue,
    );
  }
  builder.flush();
  return builder.ready;
}
