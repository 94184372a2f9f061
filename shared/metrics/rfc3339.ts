/**
 * RFC 3339 timestamps (as Kubernetes' metav1.Time writes them) to milliseconds since the epoch, without
 * allocating: a Summary payload carries a few hundred of them, and Date.parse accepts far more than RFC 3339.
 * Fractions beyond milliseconds are truncated. Returns NaN for anything that is not RFC 3339.
 */
export function parseRfc3339(text: string): number {
  const n = text.length;
  if (n < 20) return NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    (text.charCodeAt(10) | 0x20) !== 116 || // T or t
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    !(
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 60
    )
  ) {
    return NaN;
  }
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    // .fraction
    i++;
    const start = i;
    let scale = 100;
    for (let c = text.charCodeAt(i) - 48; c >= 0 && c <= 9; c = text.charCodeAt(++i) - 48) {
      millis += c * scale;
      scale /= 10;
    }
    if (i === start) return NaN;
    millis = Math.floor(millis);
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if ((zone | 0x20) === 122) {
    // Z or z
    i++;
  } else if (zone === 43 || zone === 45) {
    // +hh:mm or -hh:mm
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (text.charCodeAt(i + 3) !== 58 || !(oh <= 23 && om <= 59)) return NaN;
    offsetMinutes = (zone === 43 ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else {
    return NaN;
  }
  if (i !== n) return NaN;
  const days = daysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60000 + second * 1000 + millis;
}

/** The value of `count` decimal digits at `at`, or NaN. */
function digits(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
