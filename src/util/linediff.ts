/**
 * A line diff with bounded work that finds what git's finds (xdiff's
 * Myers, git's default algorithm): common ends trimmed; lines found only on
 * one side changed outright, and lines found many times on the other side
 * set aside where they sit among such lines; Myers' O(ND) search in linear
 * space, which past a cost limit splits at the furthest-reaching diagonal
 * instead of looking for the shortest script; then each group of changes
 * slid to where git puts it (down as far as it goes, unless it can line up
 * with a change on the other side). Lines are compared as bytes with their
 * newline, so a last line without one differs from the same line with one.
 * The tests compare the results with git diff and git merge-file.
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

/** Line i of `lines` as bytes. */
export function lineAt (lines: Lines, i: number): Buffer {
  return lines.bytes.subarray(lines.starts[i], lines.starts[i + 1])
}

/** Which lines of each side are changed: 1 for a removed line of `a`, an added line of `b`. */
export interface LineChanges { a: Uint8Array, b: Uint8Array }

// xdiff's constants
/** below this many edit steps a split is always the best one */
const MAX_COST_MIN = 256
/** a line found this many times on the other side (at most) may be set aside */
const MAX_EQ_LIMIT = 1024
/** how far the scan around such a line looks */
const SIMSCAN_WINDOW = 100
const KPDIS_RUN = 4
const HEUR_MIN_COST = 256
const SNAKE_CNT = 20
const K_HEUR = 4

/** git's integer square root approximation (xdl_bogosqrt) */
function bogosqrt (n: number): number {
  let i = 1
  for (; n > 0; n >>= 2) i <<= 1
  return i
}

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
        const os = other < a.count ? a : b
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

/**
 * Whether a line found many times on the other side is set aside: only
 * among lines found nowhere else, both before and after it (xdiff's
 * xdl_clean_mmatch). `dis`: 0 no match, 1 a match, 2 many.
 */
function setAside (dis: Uint8Array, i: number, s: number, e: number): boolean {
  if (i - s > SIMSCAN_WINDOW) s = i - SIMSCAN_WINDOW
  if (e - i > SIMSCAN_WINDOW) e = i + SIMSCAN_WINDOW
  let none0 = 0
  let many0 = 1
  for (let r = 1; i - r >= s; r++) {
    const d = dis[i - r]
    if (d === 0) none0++
    else if (d === 2) many0++
    else break
  }
  if (none0 === 0) return false
  let none1 = 0
  let many1 = 1
  for (let r = 1; i + r <= e; r++) {
    const d = dis[i + r]
    if (d === 0) none1++
    else if (d === 2) many1++
    else break
  }
  if (none1 === 0) return false
  none1 += none0
  many1 += many0
  return many1 * KPDIS_RUN < many1 + none1
}

/** `indentHeuristic`: where a group of changes may slide, put it where git diff does by default (diff.indentHeuristic); git merge-file does not. */
export function diffLines (a: Lines, b: Lines, opts: { indentHeuristic?: boolean } = {}): LineChanges {
  // changed flags with a sentinel on each end (index 0 and count + 1), as xdiff keeps them
  const rchgA = new Uint8Array(a.count + 2)
  const rchgB = new Uint8Array(b.count + 2)
  const { ha, hb, distinct } = numberLines(a, b)
  // the common ends
  let start = 0
  const lim = Math.min(a.count, b.count)
  while (start < lim && ha[start] === hb[start]) start++
  let tail = 0
  while (tail < lim - start && ha[a.count - 1 - tail] === hb[b.count - 1 - tail]) tail++
  const endA = a.count - tail - 1
  const endB = b.count - tail - 1
  // how often each line occurs on each side
  const inA = new Int32Array(distinct)
  const inB = new Int32Array(distinct)
  for (const h of ha) inA[h]++
  for (const h of hb) inB[h]++
  const classify = (h: Int32Array, other: Int32Array, end: number, count: number): Uint8Array => {
    const mlim = Math.min(bogosqrt(count), MAX_EQ_LIMIT)
    const dis = new Uint8Array(count + 1)
    for (let i = start; i <= end; i++) {
      const nm = other[h[i]]
      dis[i] = nm === 0 ? 0 : nm >= mlim ? 2 : 1
    }
    return dis
  }
  const disA = classify(ha, inB, endA, a.count)
  const disB = classify(hb, inA, endB, b.count)
  const keep = (h: Int32Array, dis: Uint8Array, end: number, rchg: Uint8Array): Int32Array => {
    const kept: number[] = []
    for (let i = start; i <= end; i++) {
      if (dis[i] === 1 || (dis[i] === 2 && !setAside(dis, i, start, end))) kept.push(i)
      else rchg[i + 1] = 1
    }
    return Int32Array.from(kept)
  }
  const keptA = keep(ha, disA, endA, rchgA)
  const keptB = keep(hb, disB, endB, rchgB)
  const ra = Int32Array.from(keptA, i => ha[i])
  const rb = Int32Array.from(keptB, i => hb[i])
  const ca = new Uint8Array(ra.length)
  const cb = new Uint8Array(rb.length)
  new Myers(ra, rb, ca, cb).run()
  for (let i = 0; i < ca.length; i++) if (ca[i] === 1) rchgA[keptA[i] + 1] = 1
  for (let i = 0; i < cb.length; i++) if (cb[i] === 1) rchgB[keptB[i] + 1] = 1
  compact(rchgA, ha, rchgB, opts.indentHeuristic === true ? a : undefined)
  compact(rchgB, hb, rchgA, opts.indentHeuristic === true ? b : undefined)
  return { a: rchgA.subarray(1, a.count + 1), b: rchgB.subarray(1, b.count + 1) }
}

/**
 * Slides each group of changed lines of one side as git does
 * (xdl_change_compact without the indent heuristic): up as far as it goes,
 * merging with groups it meets, then down as far as it goes; then back up
 * to the last place where it lines up with a change on the other side, if
 * there was one; else, given the lines, where git's indent heuristic scores
 * it best. `rchg` and `other` have sentinels at 0 and count + 1; line i is
 * at i + 1.
 */
function compact (rchg: Uint8Array, h: Int32Array, other: Uint8Array, lines?: Lines): void {
  const n = rchg.length - 2
  const on = other.length - 2
  // groups as [start, end) in line numbers (0-based); the sentinels make the scans stop
  const g = { start: 0, end: 0 }
  const go = { start: 0, end: 0 }
  const init = (r: Uint8Array, x: { start: number, end: number }): void => { x.start = 0; x.end = 0; while (r[x.end + 1] === 1) x.end++ }
  const next = (r: Uint8Array, count: number, x: { start: number, end: number }): boolean => {
    if (x.end === count) return false
    x.start = x.end + 1
    x.end = x.start
    while (r[x.end + 1] === 1) x.end++
    return true
  }
  const previous = (r: Uint8Array, x: { start: number, end: number }): boolean => {
    if (x.start === 0) return false
    x.end = x.start - 1
    x.start = x.end
    while (r[x.start] === 1) x.start--
    return true
  }
  const slideDown = (): boolean => {
    if (g.end < n && h[g.start] === h[g.end]) {
      rchg[g.start + 1] = 0
      g.start++
      rchg[g.end + 1] = 1
      g.end++
      while (rchg[g.end + 1] === 1) g.end++
      return true
    }
    return false
  }
  const slideUp = (): boolean => {
    if (g.start > 0 && h[g.start - 1] === h[g.end - 1]) {
      g.start--
      rchg[g.start + 1] = 1
      g.end--
      rchg[g.end + 1] = 0
      while (rchg[g.start] === 1) g.start--
      return true
    }
    return false
  }
  const sync = (moved: boolean): void => { if (!moved) throw new Error('BUG: the groups of the two sides are out of step') }
  init(rchg, g)
  init(other, go)
  for (;;) {
    if (g.end !== g.start) {
      let size: number
      let earliestEnd: number
      let endMatchingOther: number
      do {
        size = g.end - g.start
        endMatchingOther = -1
        while (slideUp()) sync(previous(other, go))
        earliestEnd = g.end
        if (go.end > go.start) endMatchingOther = g.end
        while (slideDown()) {
          sync(next(other, on, go))
          if (go.end > go.start) endMatchingOther = g.end
        }
      } while (size !== g.end - g.start)
      if (g.end !== earliestEnd && endMatchingOther !== -1) {
        while (go.end === go.start) {
          sync(slideUp())
          sync(previous(other, go))
        }
      } else if (g.end !== earliestEnd && lines !== undefined) {
        // the shift whose two splits (above and below the group) score best
        let shift = Math.max(earliestEnd, g.end - size - 1, g.end - INDENT_MAX_SLIDING)
        let bestShift = -1
        let best = { indent: 0, penalty: 0 }
        for (; shift <= g.end; shift++) {
          const score = { indent: 0, penalty: 0 }
          scoreSplit(lines, shift, score)
          scoreSplit(lines, shift - size, score)
          if (bestShift === -1 || compareScores(score, best) <= 0) { best = score; bestShift = shift }
        }
        while (g.end > bestShift) {
          sync(slideUp())
          sync(previous(other, go))
        }
      }
    }
    if (!next(rchg, n, g)) break
    sync(next(other, on, go))
  }
}

// git's indent heuristic (xdiffi.c), its constants as git has them
const MAX_INDENT = 200
const MAX_BLANKS = 20
const INDENT_MAX_SLIDING = 100
const START_OF_FILE_PENALTY = 1
const END_OF_FILE_PENALTY = 21
const TOTAL_BLANK_WEIGHT = -30
const POST_BLANK_WEIGHT = 6
const RELATIVE_INDENT_PENALTY = -4
const RELATIVE_INDENT_WITH_BLANK_PENALTY = 10
const RELATIVE_OUTDENT_PENALTY = 24
const RELATIVE_OUTDENT_WITH_BLANK_PENALTY = 17
const RELATIVE_DEDENT_PENALTY = 23
const RELATIVE_DEDENT_WITH_BLANK_PENALTY = 17
const INDENT_WEIGHT = 60

/** A line's indent (tabs to the next multiple of 8), -1 when it is only white space. */
function indentOf (lines: Lines, i: number): number {
  let n = 0
  for (let k = lines.starts[i]; k < lines.starts[i + 1]; k++) {
    const c = lines.bytes[k]
    if (c !== 32 && !(c >= 9 && c <= 13)) return n
    if (c === 32) n += 1
    else if (c === 9) n += 8 - n % 8
    if (n >= MAX_INDENT) return MAX_INDENT
  }
  return -1
}

/** Adds the badness of a split before line `split` to `score` (git's measure_split and score_add_split). */
function scoreSplit (lines: Lines, split: number, score: { indent: number, penalty: number }): void {
  const endOfFile = split >= lines.count
  const indent0 = endOfFile ? -1 : indentOf(lines, split)
  let preBlank = 0
  let preIndent = -1
  for (let i = split - 1; i >= 0; i--) {
    preIndent = indentOf(lines, i)
    if (preIndent !== -1) break
    preBlank++
    if (preBlank === MAX_BLANKS) { preIndent = 0; break }
  }
  let postBlankRun = 0
  let postIndent = -1
  for (let i = split + 1; i < lines.count; i++) {
    postIndent = indentOf(lines, i)
    if (postIndent !== -1) break
    postBlankRun++
    if (postBlankRun === MAX_BLANKS) { postIndent = 0; break }
  }
  if (preIndent === -1 && preBlank === 0) score.penalty += START_OF_FILE_PENALTY
  if (endOfFile) score.penalty += END_OF_FILE_PENALTY
  const postBlank = indent0 === -1 ? 1 + postBlankRun : 0
  const totalBlank = preBlank + postBlank
  score.penalty += TOTAL_BLANK_WEIGHT * totalBlank
  score.penalty += POST_BLANK_WEIGHT * postBlank
  const indent = indent0 !== -1 ? indent0 : postIndent
  const anyBlanks = totalBlank !== 0
  score.indent += indent
  if (indent === -1 || preIndent === -1 || indent === preIndent) return
  if (indent > preIndent) score.penalty += anyBlanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY
  else if (postIndent !== -1 && postIndent > indent) score.penalty += anyBlanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY
  else score.penalty += anyBlanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY
}

function compareScores (a: { indent: number, penalty: number }, b: { indent: number, penalty: number }): number {
  return INDENT_WEIGHT * Math.sign(a.indent - b.indent) + (a.penalty - b.penalty)
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
    this.maxCost = Math.max(MAX_COST_MIN, bogosqrt(size))
  }

  run (): void {
    // an explicit stack of [off1, lim1, off2, lim2, needMin] (the recursion can be as deep as the script is long)
    const stack: number[] = [0, this.ha.length, 0, this.hb.length, 0]
    const { ha, hb, ca, cb } = this
    while (stack.length > 0) {
      const needMin = stack.pop() === 1
      let lim2 = stack.pop() as number
      let off2 = stack.pop() as number
      let lim1 = stack.pop() as number
      let off1 = stack.pop() as number
      while (off1 < lim1 && off2 < lim2 && ha[off1] === hb[off2]) { off1++; off2++ }
      while (off1 < lim1 && off2 < lim2 && ha[lim1 - 1] === hb[lim2 - 1]) { lim1--; lim2-- }
      if (off1 === lim1) { for (let i = off2; i < lim2; i++) cb[i] = 1; continue }
      if (off2 === lim2) { for (let i = off1; i < lim1; i++) ca[i] = 1; continue }
      const s = this.split(off1, lim1, off2, lim2, needMin)
      stack.push(s.i1, lim1, s.i2, lim2, s.minHi ? 1 : 0, off1, s.i1, off2, s.i2, s.minLo ? 1 : 0)
    }
  }

  /**
   * Where to cut the box [off1, lim1) x [off2, lim2): the middle snake of
   * the shortest script; unless `needMin`, past the cost limit a long snake
   * or the point furthest along either search. Whether each half then needs
   * the shortest script.
   */
  private split (off1: number, lim1: number, off2: number, lim2: number, needMin: boolean): { i1: number, i2: number, minLo: boolean, minHi: boolean } {
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
      let gotSnake = false
      // one more step forward on every diagonal reached
      if (fmin > dmin) fwd[zero + --fmin - 1] = -1; else ++fmin
      if (fmax < dmax) fwd[zero + ++fmax + 1] = -1; else --fmax
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = fwd[zero + d - 1] >= fwd[zero + d + 1] ? fwd[zero + d - 1] + 1 : fwd[zero + d + 1]
        const prev = i1
        let i2 = i1 - d
        while (i1 < lim1 && i2 < lim2 && ha[i1] === hb[i2]) { i1++; i2++ }
        if (i1 - prev > SNAKE_CNT) gotSnake = true
        fwd[zero + d] = i1
        if (odd && bmin <= d && d <= bmax && bwd[zero + d] <= i1) return { i1, i2, minLo: true, minHi: true }
      }
      // and one backward
      if (bmin > dmin) bwd[zero + --bmin - 1] = 0x7fffffff; else ++bmin
      if (bmax < dmax) bwd[zero + ++bmax + 1] = 0x7fffffff; else --bmax
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = bwd[zero + d - 1] < bwd[zero + d + 1] ? bwd[zero + d - 1] : bwd[zero + d + 1] - 1
        const prev = i1
        let i2 = i1 - d
        while (i1 > off1 && i2 > off2 && ha[i1 - 1] === hb[i2 - 1]) { i1--; i2-- }
        if (prev - i1 > SNAKE_CNT) gotSnake = true
        bwd[zero + d] = i1
        if (!odd && fmin <= d && d <= fmax && i1 <= fwd[zero + d]) return { i1, i2, minLo: true, minHi: true }
      }
      if (needMin) continue
      // a long snake well along the way: cut there
      if (gotSnake && cost > HEUR_MIN_COST) {
        let best = 0
        let cut: [number, number] | undefined
        for (let d = fmax; d >= fmin; d -= 2) {
          const dd = d > fmid ? d - fmid : fmid - d
          const i1 = fwd[zero + d]
          const i2 = i1 - d
          const v = (i1 - off1) + (i2 - off2) - dd
          if (v > K_HEUR * cost && v > best && off1 + SNAKE_CNT <= i1 && i1 < lim1 && off2 + SNAKE_CNT <= i2 && i2 < lim2) {
            for (let k = 1; ha[i1 - k] === hb[i2 - k]; k++) if (k === SNAKE_CNT) { best = v; cut = [i1, i2]; break }
          }
        }
        if (cut !== undefined) return { i1: cut[0], i2: cut[1], minLo: true, minHi: false }
        best = 0
        for (let d = bmax; d >= bmin; d -= 2) {
          const dd = d > bmid ? d - bmid : bmid - d
          const i1 = bwd[zero + d]
          const i2 = i1 - d
          const v = (lim1 - i1) + (lim2 - i2) - dd
          if (v > K_HEUR * cost && v > best && off1 < i1 && i1 <= lim1 - SNAKE_CNT && off2 < i2 && i2 <= lim2 - SNAKE_CNT) {
            for (let k = 0; ha[i1 + k] === hb[i2 + k]; k++) if (k === SNAKE_CNT - 1) { best = v; cut = [i1, i2]; break }
          }
        }
        if (cut !== undefined) return { i1: cut[0], i2: cut[1], minLo: false, minHi: true }
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
      if ((lim1 + lim2) - bbest < fbest - (off1 + off2)) return { i1: fbest1, i2: fbest - fbest1, minLo: true, minHi: false }
      return { i1: bbest1, i2: bbest - bbest1, minLo: false, minHi: true }
    }
  }
}

/** A change: lines [a0, a0 + na) of `a` replaced by [b0, b0 + nb) of `b` (git's xdchange). */
export interface Change { a0: number, na: number, b0: number, nb: number }

/** The changes, in order: each maximal run of changed lines on either side. */
export function changeList (changes: LineChanges): Change[] {
  const { a, b } = changes
  const out: Change[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === 0 && b[j] === 0) { i++; j++; continue }
    const i0 = i
    const j0 = j
    while (i < a.length && a[i] === 1) i++
    while (j < b.length && b[j] === 1) j++
    if (i === i0 && j === j0) throw new Error('BUG: the unchanged lines of the two sides do not pair up')
    out.push({ a0: i0, na: i - i0, b0: j0, nb: j - j0 })
  }
  return out
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
  let cur: Hunk | undefined
  for (const c of changeList(changes)) {
    if (cur !== undefined && c.a0 - cur.a1 <= context) {
      cur.a1 = Math.min(a.length, c.a0 + c.na + context)
      cur.b1 = Math.min(b.length, c.b0 + c.nb + context)
    } else {
      if (cur !== undefined) out.push(cur)
      const before = Math.min(context, c.a0, c.b0)
      cur = { a0: c.a0 - before, a1: Math.min(a.length, c.a0 + c.na + context), b0: c.b0 - before, b1: Math.min(b.length, c.b0 + c.nb + context) }
    }
  }
  if (cur !== undefined) out.push(cur)
  return out
}
