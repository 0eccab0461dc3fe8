/** JSON-safe generator state: restoring it continues the exact same stream. */
export interface RngState {
  s: [number, number, number, number];
  /** The cached second normal of the last Box-Muller pair, or null. */
  spare: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** splitmix32: spreads any integer seed over the 128-bit state so nearby seeds give unrelated streams. */
function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function seedState(seed: number): [number, number, number, number] {
  if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
  // Fold the high bits of seeds above 2^32 in too, so 1 and 2^32 + 1 differ.
  const hi = Math.floor(Math.abs(seed) / TWO_POW_32) >>> 0;
  const next = splitmix32((Math.trunc(seed) >>> 0) ^ Math.imul(hi, 0x27d4eb2d));
  const s: [number, number, number, number] = [next(), next(), next(), next()];
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

/**
 * Seeded xoshiro128** generator. Pure 32-bit arithmetic, so streams are identical on every platform,
 * and the state is four integers plus the cached normal, which checkpoints store as JSON.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    [this.s0, this.s1, this.s2, this.s3] = seedState(seed);
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    const [a, b, c, d] = state.s;
    if (![a, b, c, d].every((v) => Number.isInteger(v) && v >= 0 && v < TWO_POW_32)) {
      throw new RangeError('Rng.fromState: state.s must hold four unsigned 32-bit integers');
    }
    rng.s0 = a;
    rng.s1 = b;
    rng.s2 = c;
    rng.s3 = d;
    rng.spare = state.spare;
    return rng;
  }

  getState(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  fillUniform<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform();
    return out;
  }

  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /**
   * An independent child stream, determined by this generator's current state and `stream`
   * (the parent does not advance), so components can draw without disturbing each other.
   */
  fork(stream: number): Rng {
    const mix = splitmix32((this.s0 ^ Math.imul(stream >>> 0, 0x9e3779b1) ^ rotl(this.s2, 13)) >>> 0);
    const child = new Rng(0);
    child.s0 = (mix() ^ this.s1) >>> 0;
    child.s1 = (mix() ^ this.s3) >>> 0;
    child.s2 = mix();
    child.s3 = (mix() ^ (stream >>> 0)) >>> 0;
    if ((child.s0 | child.s1 | child.s2 | child.s3) === 0) child.s0 = 1;
    return child;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
