/**
 * Kubernetes resource quantities as the simulator writes them ("250m", "2", "1536Mi", "16777216Ki",
 * "96636764160"), for the expectation: millicores for CPU, plain units (bytes) otherwise. Written apart from
 * the product's parser on purpose; it refuses anything outside those forms rather than guess.
 */
const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** The quantity in thousandths of a unit. */
function thousandths(text: string): number {
  const match = /^(\d+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (match === null) throw new Error(`quantity "${text}" is not of a form the expectation knows`);
  const n = Number(match[1]);
  const suffix = match[2];
  if (suffix === undefined) return n * 1000;
  if (suffix === 'm') return n;
  return n * 1000 * ((BINARY[suffix] ?? DECIMAL[suffix]) as number);
}

export function millicores(text: string): number {
  return thousandths(text);
}

export function units(text: string): number {
  const t = thousandths(text);
  if (t % 1000 !== 0) throw new Error(`quantity "${text}" is not a whole number of units`);
  return t / 1000;
}
