/**
 * A line diff with bounded work, as git's xdiff does it: lines found only on
 * one side are changed outright (so a rewritten file costs nothing), the
 * rest goes to Myers' O(ND) algorithm in linear space, which past a cost
 * limit splits at the furthest-reaching diagonal instead of looking for the
 * shortest script (git's default, no --minimal). Lines are compared as
 * bytes with their newline, so a last line without one differs from the
 * same line with one, as in git.
 */

/** The lines of some bytes: line i is bytes[starts[i], starts[i + 1]), its '\n' included (the last may have none). */
export interface Lines { bytes: Buffer, starts: Int32Array, count: number }

export function lineTable (data: Uint8Array): Lines {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  let count = 0
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) count++
  const whole = count
  if (bytes.byteLength > 0 && bytes[bytes.byteLength - 1] !== 10) count++
  const starts = new Int32Array(count + 1)
  let i = 1
  for (let at = bytes.indexOf(10); at >= 0 && i <= whole; at = bytes.indexOf(10, at + 1)) starts[i++] = at + 1
  starts[count] = bytes.byteLength
  return { bytes, starts, count }
}

/** Which lines of each side are changed: 1 for a removed line of `a`, an added line of `b`. */
export interface LineChanges { a: Uint8Array, b: Uint8Array }

/** git's XDL_MAX_COST_MIN: below this many edit steps a split is always the best one */
const MIN_COST_LIMIT = 256

/**
 * A number for each line of both sides, equal for equal lines (the bytes
 * are hashed and then compared: no string is made of a line).
 */
function numberLines (a: Lines, b: Lines): { ha: Int32Array, hb: Int32Array, distinct: number } {
  const n = a.count + b.count
  let size = 16
  while (size < n * 2) size *= 2
  const mask = size - 1
  const slotLine = new Int32Array(size).fill(-1) // the first line seen with a slot's bytes: index on a, or a.count + index on b
  const slotId = new Int32Array(size)
  const slotHash = new Int32Array(size)
  const ids = new Int32Array(n)
  let distinct = 0
  const sides = [a, b]
  for (let g = 0; g < n; g++) {
    const side = g < a.count ? a : b
    const i = g < a.count ? g : g - a.count
    const bytes = side.bytes
    const s = side.starts[i]
    const e = side.starts[i + 1]
    let h = 0x811c9dc5
    for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k], 0x01000193)
    let slot = (h ^ (h >>> 15)) & mask
    for (;;) {
      const other = slotLine[slot]
      if (other < 0) {
        slotLine[slot] = g
        slotHash[slot] = h
        slotId[slot] = distinct
        ids[g] = distinct++
        break
      }
      if (slotHash[slot] === h) {
        const os = other < a.count ? sides[0] : sides[1]
        const oi = other < a.count ? other : other - a.count
        const s2 = os.starts[oi]
        const e2 = os.starts[oi + 1]
        if (e2 - s2 === e - s && bytes.compare(os.bytes, s2, e2, s, e) === 0) { ids[g] = slotId[slot]; break }
      }
      slot = (slot + 1) & mask
    }
  }
  return { ha: ids.subarray(0, a.count), hb: ids.subarray(a.count), distinct }
}

export function diffLines (a: Lines, b: Lines): LineChanges {
  const changedA = new Uint8Array(a.count)
  const changedB = new Uint8Array(b.count)
  const { ha, hb, distinct } = numberLines(a, b)
  // lines with no match on the other side are changed, and need no search
  const inA = new Uint8Array(distinct)
  const inB = new Uint8Array(distinct)
  for (const h of ha) inA[h] = 1
  for (const h of hb) inB[h] = 1
  const keptA: number[] = []
  const keptB: number[] = []
  for (let i = 0; i < ha.length; i++) if (inB[ha[i]] === 1) keptA.push(i); else changedA[i] = 1
  for (let i = 0; i < hb.length; i++) if (inA[hb[i]] === 1) keptB.push(i); else changedB[i] = 1
  const ra = Int32Array.from(keptA, i => ha[i])
  const rb = Int32Array.from(keptB, i => hb[i])
  const ca = new Uint8Array(ra.length)
  const cb = new Uint8Array(rb.length)
  new Myers(ra, rb, ca, cb).run()
  for (let i = 0; i < ca.length; i++) if (ca[i] === 1) changedA[keptA[i]] = 1
  for (let i = 0; i < cb.length; i++) if (cb[i] === 1) changedB[keptB[i]] = 1
  return { a: changedA, b: changedB }
}

class Myers {
  private readonly fwd: Int32Array
  private readonly bwd: Int32Array
  /** offset of diagonal 0 in fwd and bwd */
  private readonly zero: number
  private readonly maxCost: number

  constructor (private readonly ha: Int32Array, private readonly hb: Int32Array, private readonly ca: Uint8Array, private readonly cb: Uint8Array) {
    const size = ha.length + hb.length + 3
    this.fwd = new Int32Array(size * 2 + 2)
    this.bwd = new Int32Array(size * 2 + 2)
    this.zero = size + 1
    this.maxCost = Math.max(MIN_COST_LIMIT, Math.ceil(Math.sqrt(size)))
  }

  run (): void {
    // an explicit stack of [off1, lim1, off2, lim2] (the recursion can be as deep as the script is long)
    const stack: number[] = [0, this.ha.length, 0, this.hb.length]
    const { ha, hb, ca, cb } = this
    while (stack.length > 0) {
      let lim2 = stack.pop() as number
      let off2 = stack.pop() as number
      let lim1 = stack.pop() as number
      let off1 = stack.pop() as number
      while (off1 < lim1 && off2 < lim2 && ha[off1] === hb[off2]) { off1++; off2++ }
      while (off1 < lim1 && off2 < lim2 && ha[lim1 - 1] === hb[lim2 - 1]) { lim1--; lim2-- }
      if (off1 === lim1) { for (let i = off2; i < lim2; i++) cb[i] = 1; continue }
      if (off2 === lim2) { for (let i = off1; i < lim1; i++) ca[i] = 1; continue }
      const [x, y] = this.split(off1, lim1, off2, lim2)
      stack.push(x, lim1, y, lim2, off1, x, off2, y)
    }
  }

  /**
   * Where to cut the box [off1, lim1) x [off2, lim2): the middle snake of
   * the shortest script, or past the cost limit the point furthest along
   * either search. Both ends are known to differ (the caller trimmed them).
   */
  private split (off1: number, lim1: number, off2: number, lim2: number): [number, number] {
    const { ha, hb, fwd, bwd, zero } = this
    const dmin = off1 - lim2
    const dmax = lim1 - off2
    const fmid = off1 - off2
    const bmid = lim1 - lim2
    const odd = ((fmid - bmid) & 1) !== 0
    let fmin = fmid
    let fmax = fmid
    let bmin = bmid
    let bmax = bmid
    fwd[zero + fmid] = off1
    bwd[zero + bmid] = lim1
    for (let cost = 1; ; cost++) {
      // one more step forward on every diagonal reached
      if (fmin > dmin) fwd[zero + --fmin - 1] = -1; else ++fmin
      if (fmax < dmax) fwd[zero + ++fmax + 1] = -1; else --fmax
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = fwd[zero + d - 1] >= fwd[zero + d + 1] ? fwd[zero + d - 1] + 1 : fwd[zero + d + 1]
        let i2 = i1 - d
        while (i1 < lim1 && i2 < lim2 && ha[i1] === hb[i2]) { i1++; i2++ }
        fwd[zero + d] = i1
        if (odd && bmin <= d && d <= bmax && bwd[zero + d] <= i1) return [i1, i2]
      }
      // and one backward
      if (bmin > dmin) bwd[zero + --bmin - 1] = 0x7fffffff; else ++bmin
      if (bmax < dmax) bwd[zero + ++bmax + 1] = 0x7fffffff; else --bmax
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = bwd[zero + d - 1] < bwd[zero + d + 1] ? bwd[zero + d - 1] : bwd[zero + d + 1] - 1
        let i2 = i1 - d
        while (i1 > off1 && i2 > off2 && ha[i1 - 1] === hb[i2 - 1]) { i1--; i2-- }
        bwd[zero + d] = i1
        if (!odd && fmin <= d && d <= fmax && i1 <= fwd[zero + d]) return [i1, i2]
      }
      if (cost < this.maxCost) continue
      // too costly to find the best cut: take the furthest point either search reached
      let fbest = -1
      let fbest1 = -1
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = Math.min(fwd[zero + d], lim1)
        let i2 = i1 - d
        if (lim2 < i2) { i1 = lim2 + d; i2 = lim2 }
        if (fbest < i1 + i2) { fbest = i1 + i2; fbest1 = i1 }
      }
      let bbest = 0x7fffffff
      let bbest1 = 0x7fffffff
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = Math.max(off1, bwd[zero + d])
        let i2 = i1 - d
        if (i2 < off2) { i1 = off2 + d; i2 = off2 }
        if (i1 + i2 < bbest) { bbest = i1 + i2; bbest1 = i1 }
      }
      if ((lim1 + lim2) - bbest < fbest - (off1 + off2)) return [fbest1, fbest - fbest1]
      return [bbest1, bbest - bbest1]
    }
  }
}

/** A hunk: lines [a0, a1) of `a` and [b0, b1) of `b`, context included. */
export interface Hunk { a0: number, a1: number, b0: number, b1: number }

/**
 * The hunks of a unified diff with `context` lines around each change;
 * changes closer than twice that share a hunk, as in git.
 */
export function hunks (changes: LineChanges, context = 3): Hunk[] {
  const { a, b } = changes
  const out: Hunk[] = []
  let i = 0
  let j = 0
  let cur: Hunk | undefined
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === 0 && b[j] === 0) { i++; j++; continue }
    // a change starts at (i, j): its removed and added lines
    const i0 = i
    const j0 = j
    while (i < a.length && a[i] === 1) i++
    while (j < b.length && b[j] === 1) j++
    if (i === i0 && j === j0) throw new Error('BUG: the unchanged lines of the two sides do not pair up')
    if (cur !== undefined && i0 - cur.a1 <= context) {
      cur.a1 = Math.min(a.length, i + context)
      cur.b1 = Math.min(b.length, j + context)
    } else {
      if (cur !== undefined) out.push(cur)
      const before = Math.min(context, i0, j0)
      cur = { a0: i0 - before, a1: Math.min(a.length, i + context), b0: j0 - before, b1: Math.min(b.length, j + context) }
    }
  }
  if (cur !== undefined) out.push(cur)
  return out
}
