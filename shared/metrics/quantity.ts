/**
 * Kubernetes resource quantities ("100m", "2", "1.5", "10M", "128Mi", "1e3", ...) as numbers, rounded up
 * like resource.Quantity's Value() and MilliValue(). Exact: decimal fractions are carried as integers
 * (BigInt), so "1.1" is 1100 millicores, not 1100.0000000000002.
 */

// <signedNumber> then a binary SI suffix, a decimal exponent, or a decimal SI suffix ("E" alone is exa).
const QUANTITY = /^([+-]?)(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

const SUFFIX: Readonly<Record<string, readonly [exp10: number, exp2: number]>> = {
  n: [-9, 0],
  u: [-6, 0],
  m: [-3, 0],
  k: [3, 0],
  M: [6, 0],
  G: [9, 0],
  T: [12, 0],
  P: [15, 0],
  E: [18, 0],
  Ki: [0, 10],
  Mi: [0, 20],
  Gi: [0, 30],
  Ti: [0, 40],
  Pi: [0, 50],
  Ei: [0, 60],
};

/** The quantity in base units (bytes, cores, devices), rounded up to an integer; undefined when invalid. */
export function quantityValue(text: string | number): number | undefined {
  return scaled(text, 0);
}

/** The quantity in thousandths (millicores for cpu), rounded up; undefined when invalid. */
export function quantityMilliValue(text: string | number): number | undefined {
  return scaled(text, 3);
}

function scaled(text: string | number, exp10: number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? Math.ceil(text * 10 ** exp10) : undefined;
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const [, sign, whole = '', fraction = '', exponent, suffix] = m;
  if (whole === '' && fraction === '') return undefined;
  const [suffix10, exp2] = suffix === undefined ? [0, 0] : (SUFFIX[suffix] as readonly [number, number]);
  const e10 = exp10 + suffix10 + Number(exponent ?? 0) - fraction.length;
  if (Math.abs(e10) > 400) return undefined;
  let n = BigInt(whole + fraction) << BigInt(exp2);
  if (sign === '-') n = -n;
  if (e10 >= 0) return Number(n * 10n ** BigInt(e10));
  const d = 10n ** BigInt(-e10);
  // BigInt division truncates toward zero: that rounds negatives up already.
  const q = n / d;
  return Number(n > 0n && q * d !== n ? q + 1n : q);
}

/** Distinct quantities remembered across nodes and rounds; pod specs repeat a few values cluster-wide. */
const MEMO_LIMIT = 4096;
const memo = new Map<string | number, number | undefined>();
const milliMemo = new Map<string | number, number | undefined>();

/**
 * Parsed quantities, memoised for the whole process (parsing takes a regular expression and BigInt
 * arithmetic), with the invalid ones this instance met reported as problems.
 */
export class QuantityCache {
  readonly problems: string[] = [];

  value(q: string | number | undefined): number | undefined {
    return q === undefined ? undefined : this.parse(q, memo, quantityValue);
  }

  milli(q: string | number | undefined): number | undefined {
    return q === undefined ? undefined : this.parse(q, milliMemo, quantityMilliValue);
  }

  private parse(
    q: string | number,
    cache: Map<string | number, number | undefined>,
    parse: (q: string | number) => number | undefined,
  ): number | undefined {
    let v = cache.get(q);
    if (v === undefined) {
      if (cache.has(q)) {
        this.invalid(q);
        return undefined;
      }
      v = parse(q);
      if (cache.size >= MEMO_LIMIT) cache.clear();
      cache.set(q, v);
      if (v === undefined) this.invalid(q);
    }
    return v;
  }

  private invalid(q: string | number): void {
    const problem = `invalid quantity ${JSON.stringify(q)}`;
    if (this.problems.length < 10 && !this.problems.includes(problem)) this.problems.push(problem);
  }
}
