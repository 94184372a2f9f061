/**
 * The shapes the stand-in receives and answers, as @grpc/proto-loader decodes them with
 * { longs: String, enums: String, oneofs: true }: int64 values and Timestamp seconds arrive as strings.
 */
export interface WireTimestamp {
  seconds?: string | number;
  nanos?: number;
}

export interface WireTypedValue {
  value?: string;
  int64Value?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  stringValue?: string;
}

export interface WirePoint {
  interval?: { startTime?: WireTimestamp | null; endTime?: WireTimestamp | null } | null;
  value?: WireTypedValue | null;
}

export interface WireTimeSeries {
  metric?: { type?: string; labels?: Record<string, string> } | null;
  resource?: { type?: string; labels?: Record<string, string> } | null;
  metricKind?: string;
  valueType?: string;
  points?: WirePoint[];
}

export interface WireLabelDescriptor {
  key?: string;
  valueType?: string;
  description?: string;
}

export interface WireMetricDescriptor {
  name?: string;
  type?: string;
  labels?: WireLabelDescriptor[];
  metricKind?: string;
  valueType?: string;
  unit?: string;
  description?: string;
  displayName?: string;
}

export const toMs = (t: WireTimestamp | null | undefined): number | undefined =>
  t === null || t === undefined || t.seconds === undefined
    ? undefined
    : Number(t.seconds) * 1000 + Math.round((t.nanos ?? 0) / 1e6);

export const toTimestamp = (ms: number): { seconds: string; nanos: number } => ({
  seconds: String(Math.floor(ms / 1000)),
  nanos: (((ms % 1000) + 1000) % 1000) * 1e6,
});

/** The point's value and its type, from the TypedValue oneof. */
export function valueOf(v: WireTypedValue | null | undefined): { type: string; value: number } | undefined {
  if (v === null || v === undefined) return undefined;
  if (v.int64Value !== undefined && v.int64Value !== null)
    return { type: 'INT64', value: Number(v.int64Value) };
  if (v.doubleValue !== undefined && v.doubleValue !== null) return { type: 'DOUBLE', value: v.doubleValue };
  if (v.boolValue !== undefined && v.boolValue !== null) return { type: 'BOOL', value: v.boolValue ? 1 : 0 };
  return undefined;
}
