import { METRIC_COUNT, METRICS, type MetricDefinition } from '../../metrics/catalogue.js';
import type { Labels, PointLabels } from '../../metrics/labels.js';
import { pointLabelsAt, type Batch, type MetricBlock } from '../../metrics/model.js';
import { escapeKey, escapeMeasurement, floatField, intField, tagSet } from './line-protocol.js';

/**
 * A round's metrics in Heapster's InfluxDB schema, as line protocol with millisecond timestamps (the round's
 * time on every line).
 *
 * Default schema: one measurement per metric name (`cpu/usage_rate`) with the field `value`. With
 * `withFields`, one measurement per name prefix (`cpu`) with the rest of the name as field (`usage_rate`);
 * metrics without a prefix (`uptime`, `restart_count`) keep `value`. Where Heapster sent one point per
 * field, the fields of one entity share a line here: InfluxDB stores exactly the same.
 *
 * Tags: the entity's labels, except the identifiers hostname, host_id, pod_id and namespace_id (unique per
 * entity, they would multiply series without helping any query), plus per-point labels (resource_id, ...)
 * and cluster_name on every line. Empty values are left out. Field types follow the catalogue's valueType:
 * `int` metrics are always integers (`12i`), `double` metrics always floats, so a field never changes type.
 */
export interface MetricEncodeOptions {
  readonly withFields: boolean;
  /** Written as cluster_name on every line; the entity's own cluster_name label when undefined. */
  readonly clusterName: string | undefined;
}

export interface EncodedLines {
  readonly lines: string[];
  /** Points carried by each line (1, or the number of fields in withfields mode). */
  readonly points: number[];
  /** Points that could not be encoded, by reason. */
  readonly rejected: Record<string, number>;
}

/** Labels that identify one entity: not written as tags, like Heapster. */
export const UNWRITTEN_LABELS: ReadonlySet<string> = new Set([
  'hostname',
  'host_id',
  'pod_id',
  'namespace_id',
]);
export const DEFAULT_CLUSTER_NAME = 'default';

interface Column {
  readonly measurement: string;
  readonly field: string;
  readonly int: boolean;
}

const columns = (withFields: boolean): Column[] =>
  (METRICS as readonly MetricDefinition[]).map((m) => {
    const slash = m.name.indexOf('/');
    const split = withFields && slash > 0;
    return {
      measurement: escapeMeasurement(split ? m.name.slice(0, slash) : m.name),
      field: escapeKey(split ? m.name.slice(slash + 1) : 'value'),
      int: m.valueType === 'int',
    };
  });
const DEFAULT_COLUMNS = columns(false);
const FIELD_COLUMNS = columns(true);

/** The sorted tag pairs of an entity, cluster_name set. */
function setTagPairs(labels: Labels, clusterName: string | undefined): [string, string][] {
  const pairs: [string, string][] = [];
  for (const key of Object.keys(labels)) {
    const value = labels[key as keyof Labels];
    if (value === undefined || value === '' || UNWRITTEN_LABELS.has(key) || key === 'cluster_name') continue;
    pairs.push([key, value]);
  }
  pairs.push(['cluster_name', clusterName ?? labels.cluster_name ?? DEFAULT_CLUSTER_NAME]);
  return pairs.sort(byKey);
}

const byKey = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

function pointTagPairs(setPairs: [string, string][], pointLabels: PointLabels): [string, string][] {
  const pairs = [...setPairs];
  for (const key of Object.keys(pointLabels)) {
    const value = pointLabels[key as keyof PointLabels];
    if (value !== undefined && value !== '') pairs.push([key, value]);
  }
  return pairs.sort(byKey);
}

function fieldText(column: Column, value: number): string | undefined {
  return column.int ? intField(value) : floatField(value);
}

export function encodeMetrics(batch: Batch, options: MetricEncodeOptions): EncodedLines {
  const out: EncodedLines = { lines: [], points: [], rejected: {} };
  const ts = String(Math.trunc(batch.timestamp));
  for (const block of batch.blocks) {
    if (options.withFields) encodeBlockWithFields(block, options, ts, out);
    else encodeBlock(block, options, ts, out);
  }
  return out;
}

function reject(out: EncodedLines, reason: string): void {
  out.rejected[reason] = (out.rejected[reason] ?? 0) + 1;
}

function encodeBlock(block: MetricBlock, options: MetricEncodeOptions, ts: string, out: EncodedLines): void {
  const { sets, values, labels, points } = block;
  const setTags: (string | undefined)[] = new Array(sets.length);
  const pairsOf = (s: number): [string, string][] => setTagPairs(labels[s] as Labels, options.clusterName);
  for (let s = 0; s < sets.length; s++) {
    const base = s * METRIC_COUNT;
    for (let m = 0; m < METRIC_COUNT; m++) {
      const v = values[base + m] as number;
      if (v !== v) continue;
      const column = DEFAULT_COLUMNS[m] as Column;
      const field = fieldText(column, v);
      if (field === undefined) {
        reject(out, 'not-finite');
        continue;
      }
      const tags = (setTags[s] ??= tagSet(pairsOf(s)));
      out.lines.push(`${column.measurement}${tags} value=${field} ${ts}`);
      out.points.push(1);
    }
  }
  for (let i = 0; i < points.set.length; i++) {
    const s = points.set[i] as number;
    const column = DEFAULT_COLUMNS[points.metric[i] as number] as Column;
    const field = fieldText(column, points.value[i] as number);
    if (field === undefined) {
      reject(out, 'not-finite');
      continue;
    }
    const tags = tagSet(pointTagPairs(pairsOf(s), pointLabelsAt(points, i)));
    out.lines.push(`${column.measurement}${tags} value=${field} ${ts}`);
    out.points.push(1);
  }
}

/** Fields gathered for one line: measurement + tags -> `k=v` parts. */
class LineGroups {
  private readonly groups = new Map<string, { head: string; fields: string[] }>();
  add(key: string, head: () => string, field: string): void {
    let group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, (group = { head: head(), fields: [] }));
    group.fields.push(field);
  }
  flush(ts: string, out: EncodedLines): void {
    for (const { head, fields } of this.groups.values()) {
      out.lines.push(`${head} ${fields.join(',')} ${ts}`);
      out.points.push(fields.length);
    }
    this.groups.clear();
  }
}

function encodeBlockWithFields(
  block: MetricBlock,
  options: MetricEncodeOptions,
  ts: string,
  out: EncodedLines,
): void {
  const { sets, values, labels, points } = block;
  const groups = new LineGroups();
  const setPairs: ([string, string][] | undefined)[] = new Array(sets.length);
  const pairsOf = (s: number): [string, string][] =>
    (setPairs[s] ??= setTagPairs(labels[s] as Labels, options.clusterName));
  for (let s = 0; s < sets.length; s++) {
    const base = s * METRIC_COUNT;
    let tags: string | undefined;
    for (let m = 0; m < METRIC_COUNT; m++) {
      const v = values[base + m] as number;
      if (v !== v) continue;
      const column = FIELD_COLUMNS[m] as Column;
      const field = fieldText(column, v);
      if (field === undefined) {
        reject(out, 'not-finite');
        continue;
      }
      groups.add(
        column.measurement,
        () => column.measurement + (tags ??= tagSet(pairsOf(s))),
        `${column.field}=${field}`,
      );
    }
    groups.flush(ts, out);
  }
  for (let i = 0; i < points.set.length; i++) {
    const s = points.set[i] as number;
    const column = FIELD_COLUMNS[points.metric[i] as number] as Column;
    const field = fieldText(column, points.value[i] as number);
    if (field === undefined) {
      reject(out, 'not-finite');
      continue;
    }
    const tags = tagSet(pointTagPairs(pairsOf(s), pointLabelsAt(points, i)));
    groups.add(
      `${s}\u0000${column.measurement}${tags}`,
      () => column.measurement + tags,
      `${column.field}=${field}`,
    );
  }
  groups.flush(ts, out);
}
