/** A small seeded pseudo-random generator (mulberry32), so a simulated cluster is reproducible from its seed. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A lowercase hex string of the given length. */
  hex(length: number): string;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    hex: (length) => {
      // Eight hex digits per draw, from a byte table: building a 5,000-node cluster draws millions of them.
      let s = '';
      for (let have = 0; have < length; have += 8) {
        const n = Math.floor(next() * 0x100000000);
        s += `${HEX_BYTES[n >>> 24]}${HEX_BYTES[(n >>> 16) & 255]}${HEX_BYTES[(n >>> 8) & 255]}${HEX_BYTES[n & 255]}`;
      }
      return s.length === length ? s : s.slice(0, length);
    },
  };
}

/** A stable 32-bit hash of a string (FNV-1a), used to derive per-entity phases and values. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A random RFC 4122 version-4 UUID drawn from the generator. */
export function uuid(rng: Rng): string {
  const s = rng.hex(32);
  const variant = ((parseInt(s[16] as string, 16) & 0x3) | 0x8).toString(16);
  // One flat string: a cons string of slices would keep a tree of small objects per id alive.
  return [
    s.slice(0, 8),
    s.slice(8, 12),
    `4${s.slice(13, 16)}`,
    `${variant}${s.slice(17, 20)}`,
    s.slice(20),
  ].join('-');
}
