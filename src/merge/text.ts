import { Change, changeList, diffLines, lineAt, lineTable, Lines } from '../util/linediff.js'

export interface TextMergeResult { clean: boolean, bytes: Buffer }
export interface Labels { ours: string, base: string, theirs: string }
export type TextMerger = (base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, labels: Labels) => TextMergeResult

const MARKER = 7

/** A region of the merge (git's xdmerge): 1 ours changed it, 2 theirs, 0 both, differently (a conflict). */
interface Region { mode: 0 | 1 | 2, i0: number, chg0: number, i1: number, chg1: number, i2: number, chg2: number }

/**
 * Line-by-line three-way merge of bytes, as `git merge-file --diff3` does
 * it (xdiff's xdl_merge at the "eager" level, which diff3-style output
 * allows): each side's changes against the base, found as git diff finds
 * them; changes apart from each other are both taken, the same change on
 * both sides once, and changes that overlap or touch become a conflict
 * block with the base between (`merge.conflictStyle=diff3`), its markers
 * ending in CRLF where the text's lines do. The tests hold it against git
 * merge-file.
 */
export const diff3Text: TextMerger = (baseBytes, oursBytes, theirsBytes, labels) => {
  const base = lineTable(baseBytes)
  const ours = lineTable(oursBytes)
  const theirs = lineTable(theirsBytes)
  const x1 = changeList(diffLines(base, ours))
  const x2 = changeList(diffLines(base, theirs))
  if (x1.length === 0) return { clean: true, bytes: Buffer.from(theirsBytes) }
  if (x2.length === 0) return { clean: true, bytes: Buffer.from(oursBytes) }
  const regions: Region[] = []
  // a region that overlaps or touches the last one joins it (a conflict when the sides differ)
  const append = (mode: 0 | 1 | 2, i0: number, chg0: number, i1: number, chg1: number, i2: number, chg2: number): void => {
    const m = regions[regions.length - 1]
    if (m !== undefined && (i1 <= m.i1 + m.chg1 || i2 <= m.i2 + m.chg2)) {
      if (mode !== m.mode) m.mode = 0
      m.chg0 = i0 + chg0 - m.i0
      m.chg1 = i1 + chg1 - m.i1
      m.chg2 = i2 + chg2 - m.i2
    } else {
      regions.push({ mode, i0, chg0, i1, chg1, i2, chg2 })
    }
  }
  const sameLines = (c1: Change, c2: Change): boolean => {
    for (let k = 0; k < c1.nb; k++) if (!lineAt(ours, c1.b0 + k).equals(lineAt(theirs, c2.b0 + k))) return false
    return true
  }
  let p = 0
  let q = 0
  while (p < x1.length && q < x2.length) {
    const c1 = x1[p]
    const c2 = x2[q]
    if (c1.a0 + c1.na < c2.a0) {
      append(1, c1.a0, c1.na, c1.b0, c1.nb, c2.b0 - c2.a0 + c1.a0, c1.na)
      p++
      continue
    }
    if (c2.a0 + c2.na < c1.a0) {
      append(2, c2.a0, c2.na, c1.b0 - c1.a0 + c2.a0, c2.na, c2.b0, c2.nb)
      q++
      continue
    }
    if (c1.a0 !== c2.a0 || c1.na !== c2.na || c1.nb !== c2.nb || !sameLines(c1, c2)) {
      const off = c1.a0 - c2.a0
      const ffo = off + c1.na - c2.na
      let i0 = c1.a0
      let i1 = c1.b0
      let i2 = c2.b0
      if (off > 0) { i0 -= off; i1 -= off } else i2 += off
      let chg0 = c1.a0 + c1.na - i0
      let chg1 = c1.b0 + c1.nb - i1
      let chg2 = c2.b0 + c2.nb - i2
      if (ffo < 0) { chg0 -= ffo; chg1 -= ffo } else chg2 += ffo
      append(0, i0, chg0, i1, chg1, i2, chg2)
    }
    const e1 = c1.a0 + c1.na
    const e2 = c2.a0 + c2.na
    if (e1 >= e2) q++
    if (e2 >= e1) p++
  }
  for (; p < x1.length; p++) {
    const c = x1[p]
    append(1, c.a0, c.na, c.b0, c.nb, c.a0 + theirs.count - base.count, c.na)
  }
  for (; q < x2.length; q++) {
    const c = x2[q]
    append(2, c.a0, c.na, c.a0 + ours.count - base.count, c.na, c.b0, c.nb)
  }
  return write(regions, base, ours, theirs, labels)
}

function write (regions: Region[], base: Lines, ours: Lines, theirs: Lines, labels: Labels): TextMergeResult {
  const out: Uint8Array[] = []
  let clean = true
  const copy = (from: Lines, i: number, count: number, cr: boolean, addNewline: boolean): void => {
    if (count < 1) return
    out.push(from.bytes.subarray(from.starts[i], from.starts[i + count]))
    if (addNewline && from.bytes[from.starts[i + count] - 1] !== 10) out.push(Buffer.from(cr ? '\r\n' : '\n'))
  }
  const marker = (ch: string, label: string | undefined, cr: boolean): void => {
    out.push(Buffer.from(ch.repeat(MARKER) + (label === undefined ? '' : ' ' + label) + (cr ? '\r\n' : '\n')))
  }
  let i = 0
  for (const m of regions) {
    copy(ours, i, m.i1 - i, false, false)
    if (m.mode === 0) {
      clean = false
      const cr = crNeeded(base, ours, theirs, m)
      marker('<', labels.ours, cr)
      copy(ours, m.i1, m.chg1, cr, true)
      marker('|', labels.base, cr)
      copy(base, m.i0, m.chg0, cr, true)
      marker('=', undefined, cr)
      copy(theirs, m.i2, m.chg2, cr, true)
      marker('>', labels.theirs, cr)
    } else if (m.mode === 1) {
      copy(ours, m.i1, m.chg1, false, false)
    } else {
      copy(theirs, m.i2, m.chg2, false, false)
    }
    i = m.i1 + m.chg1
  }
  copy(ours, i, ours.count - i, false, false)
  return { clean, bytes: Buffer.concat(out) }
}

/** Whether line i ends in CRLF (git's is_eol_crlf): undefined when it cannot be told. */
function crlfAt (f: Lines, i: number): boolean | undefined {
  const end = (k: number): number => f.starts[k + 1]
  const size = (k: number): number => f.starts[k + 1] - f.starts[k]
  if (i < f.count - 1) return size(i) > 1 && f.bytes[end(i) - 2] === 13
  if (f.count === 0) return undefined
  if (size(i) > 0 && f.bytes[end(i) - 1] === 10) return size(i) > 1 && f.bytes[end(i) - 2] === 13
  if (i === 0) return undefined
  return size(i - 1) > 1 && f.bytes[end(i - 1) - 2] === 13
}

/** Conflict markers end in CRLF when the lines around them do (git's is_cr_needed). */
function crNeeded (base: Lines, ours: Lines, theirs: Lines, m: Region): boolean {
  let cr = crlfAt(ours, m.i1 > 0 ? m.i1 - 1 : 0)
  if (cr !== false) cr = crlfAt(theirs, m.i2 > 0 ? m.i2 - 1 : 0)
  if (cr !== false) cr = crlfAt(base, 0)
  return cr === true
}
