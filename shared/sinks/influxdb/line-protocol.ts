/**
 * InfluxDB line protocol pieces: `measurement,tag=v,... field=v,... timestamp`.
 *
 * Escaping follows the protocol: in measurements, commas and spaces; in tag keys, tag values and field keys,
 * commas, equals signs and spaces; in string field values, double quotes and backslashes. Line breaks and tabs
 * cannot appear raw outside string fields (a line break ends the line): they are written as `\n`, `\r`, `\t`
 * as the official clients do. String field values keep them raw, which InfluxDB and VictoriaMetrics accept.
 */

const MEASUREMENT_SPECIAL = /[, \n\r\t]/;
const KEY_SPECIAL = /[,= \n\r\t]/;
const STRING_SPECIAL = /["\\]/;

const REPLACEMENTS: Readonly<Record<string, string>> = {
  ',': '\\,',
  ' ': '\\ ',
  '=': '\\=',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '"': '\\"',
  '\\': '\\\\',
};
const replace = (c: string): string => REPLACEMENTS[c] as string;

export function escapeMeasurement(name: string): string {
  return MEASUREMENT_SPECIAL.test(name) ? name.replace(/[, \n\r\t]/g, replace) : name;
}

/** Tag keys, tag values and field keys. */
export function escapeKey(text: string): string {
  return KEY_SPECIAL.test(text) ? text.replace(/[,= \n\r\t]/g, replace) : text;
}

/** A string field value, quoted. */
export function quoteString(text: string): string {
  return STRING_SPECIAL.test(text) ? `"${text.replace(/["\\]/g, replace)}"` : `"${text}"`;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * An integer field (`42i`), truncated and clamped to int64. Never unsigned: InfluxDB 1.x rejects `u` fields.
 * Undefined for values that are not finite.
 */
export function intField(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const whole = Math.trunc(value);
  if (Number.isSafeInteger(whole)) return `${whole}i`;
  let big = BigInt(whole);
  if (big > INT64_MAX) big = INT64_MAX;
  if (big < INT64_MIN) big = INT64_MIN;
  return `${big}i`;
}

/** A float field; JavaScript's shortest round-trip form (e.g. `1.5`, `3`, `1e+21`) parses as float. */
export function floatField(value: number): string | undefined {
  return Number.isFinite(value) ? String(value) : undefined;
}

/** `,k=v,k2=v2` for the pairs with a non-empty value, escaped, in the order given. */
export function tagSet(pairs: readonly (readonly [string, string | undefined])[]): string {
  let out = '';
  for (const [key, value] of pairs)
    if (value !== undefined && value !== '') out += `,${escapeKey(key)}=${escapeKey(value)}`;
  return out;
}
