import { diff3Merge } from 'node-diff3'

export interface TextMergeResult { clean: boolean, text: string }
export interface Labels { ours: string, base: string, theirs: string }
export type TextMerger = (base: string, ours: string, theirs: string, labels: Labels) => TextMergeResult

/** Splits keeping line ends, so a merge never changes how lines end. */
function lines (s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? []
}

/**
 * Line-by-line three-way merge (diff3). Regions both sides changed alike are
 * taken once; regions changed differently become git-style conflict blocks
 * with the base in the middle (`merge.conflictStyle=diff3`).
 */
export const diff3Text: TextMerger = (base, ours, theirs, labels) => {
  const regions = diff3Merge(lines(ours), lines(base), lines(theirs), { excludeFalseConflicts: true })
  const out: string[] = []
  let clean = true
  const block = (xs: string[]): void => {
    for (const l of xs) out.push(l)
    if (xs.length > 0 && !xs[xs.length - 1].endsWith('\n')) out.push('\n')
  }
  for (const r of regions) {
    if (r.ok !== undefined) { out.push(...r.ok); continue }
    const c = r.conflict!
    clean = false
    if (out.length > 0 && !out[out.length - 1].endsWith('\n')) out.push('\n')
    out.push(`<<<<<<< ${labels.ours}\n`)
    block(c.a)
    out.push(`||||||| ${labels.base}\n`)
    block(c.o)
    out.push('=======\n')
    block(c.b)
    out.push(`>>>>>>> ${labels.theirs}\n`)
  }
  return { clean, text: out.join('') }
}
