/**
 * A small structural checker for JSON written by Go's encoding/json. In an object shape a key ending in "?" may
 * be absent (omitempty); every other key must be there, and no key outside the struct may appear.
 */
export type Shape =
  | 'uint'
  | 'int'
  | 'float'
  | 'string'
  | 'bool'
  | 'time'
  | { object: Record<string, Shape> }
  | { array: Shape }
  | { map: Shape };

export const obj = (fields: Record<string, Shape>): Shape => ({ object: fields });
export const arr = (item: Shape): Shape => ({ array: item });
export const map = (value: Shape): Shape => ({ map: value });

const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Problems found, as "path: what"; empty when `value` fits `shape`. */
export function checkShape(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof shape === 'string') {
    switch (shape) {
      case 'uint':
        return Number.isInteger(value) && (value as number) >= 0
          ? []
          : [`${path}: want uint, got ${show(value)}`];
      case 'int':
        return Number.isInteger(value) ? [] : [`${path}: want int, got ${show(value)}`];
      case 'float':
        return typeof value === 'number' ? [] : [`${path}: want number, got ${show(value)}`];
      case 'string':
        return typeof value === 'string' ? [] : [`${path}: want string, got ${show(value)}`];
      case 'bool':
        return typeof value === 'boolean' ? [] : [`${path}: want bool, got ${show(value)}`];
      case 'time':
        return typeof value === 'string' && RFC3339_NANO.test(value) && !/\.\d*0Z$/.test(value)
          ? []
          : [`${path}: want a Go RFC 3339 time, got ${show(value)}`];
    }
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${path}: want array, got ${show(value)}`];
    return value.flatMap((item, i) => checkShape(item, shape.array, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: want object, got ${show(value)}`];
  const record = value as Record<string, unknown>;
  if ('map' in shape)
    return Object.entries(record).flatMap(([k, v]) =>
      checkShape(v, shape.map, `${path}[${JSON.stringify(k)}]`),
    );
  const problems: string[] = [];
  const known = new Set<string>();
  for (const [rawKey, fieldShape] of Object.entries(shape.object)) {
    const optional = rawKey.endsWith('?');
    const key = optional ? rawKey.slice(0, -1) : rawKey;
    known.add(key);
    if (!(key in record)) {
      if (!optional) problems.push(`${path}.${key}: missing`);
      continue;
    }
    problems.push(...checkShape(record[key], fieldShape, `${path}.${key}`));
  }
  for (const key of Object.keys(record))
    if (!known.has(key)) problems.push(`${path}.${key}: not a field of the Go struct`);
  return problems;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? text.slice(0, 40) + '...' : text;
}
