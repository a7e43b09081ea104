import { CID } from 'multiformats/cid'
import { createHash } from 'node:crypto'
import { Repo } from '../repo/repo.js'
import { isBinary } from '../util/text.js'
import { diffLines, hunks, lineTable, Lines } from '../util/linediff.js'
import { diffTrees, someTreeChanges, TreeChange } from '../model/treediff.js'
import { Entry, Kind, readSymlink } from '../model/tree.js'
import { isTooLarge, readFileBytes, sameStoredContent } from '../model/file.js'
import type { BlockStore } from '../store/blockstore.js'

/**
 * What changed between two versions of a file or a tree, as git shows it:
 * unified hunks, added and removed lines, binary files named, git's blob
 * IDs. Shared by diff, log -p, show and the web view.
 */

export interface FileDiff {
  path: string
  status: 'added' | 'modified' | 'deleted'
  oldKind?: Kind
  newKind?: Kind
  oldCid?: string
  newCid?: string
  /** git's blob IDs of the two sides (SHA-1 of "blob LEN\0" and the bytes), when they were read */
  oldBlob?: string
  newBlob?: string
  binary: boolean
  added: number
  removed: number
  /** unified diff hunks as git prints them, the content's bytes as they are, when the content is text */
  patch?: Buffer
}

const MAX_TEXT = 8 * 1024 * 1024
const NO_NEWLINE = Buffer.from('\n\\ No newline at end of file\n')
const CONTEXT = 0x20
const ADDED = 0x2b
const REMOVED = 0x2d

export type Side = { entry: Entry, bytes: () => Promise<Uint8Array> } | undefined

/** git's blob ID of some bytes: what `git hash-object` says. */
export function gitBlobId (bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex')
}

/**
 * The hunks of a unified diff from `left` to `right`, as git prints them:
 * `@@ -a,b +c,d @@` (",1" left out), every line's bytes as they are, and
 * "\ No newline at end of file" after a last line without one.
 */
export function unifiedHunks (left: Uint8Array, right: Uint8Array, counts: { added: number, removed: number } = { added: 0, removed: 0 }): Buffer {
  const a = lineTable(left)
  const b = lineTable(right)
  const changes = diffLines(a, b, { indentHeuristic: true })
  // the patch is written into one buffer (a piece a line would be garbage the size of the file)
  const found = hunks(changes)
  // git's hunk headers name the nearest line above that starts like a definition (its default funcname rule)
  let func = ''
  let searchedTo = -1
  const headers = found.map(h => {
    for (let l = h.a0 - 1; l > searchedTo && l >= 0; l--) {
      const f = funcLine(a, l)
      if (f !== undefined) { func = f; break }
    }
    searchedTo = h.a0 - 1
    return `@@ -${range(h.a0, h.a1 - h.a0)} +${range(h.b0, h.b1 - h.b0)} @@${func === '' ? '' : ' ' + func}\n`
  })
  let size = headers.reduce((n, x) => n + x.length, 0)
  const lineSize = (side: Lines, i: number): number => {
    const len = side.starts[i + 1] - side.starts[i]
    return 1 + len + (side.bytes[side.starts[i + 1] - 1] !== 10 ? NO_NEWLINE.length : 0)
  }
  for (const h of found) {
    for (let i = h.a0; i < h.a1; i++) size += lineSize(a, i)
    for (let j = h.b0; j < h.b1; j++) if (changes.b[j] === 1) size += lineSize(b, j)
  }
  const out = Buffer.allocUnsafe(size)
  let at = 0
  const line = (sign: number, side: Lines, i: number): void => {
    const s = side.starts[i]
    const e = side.starts[i + 1]
    out[at++] = sign
    at += side.bytes.copy(out, at, s, e)
    if (side.bytes[e - 1] !== 10) at += NO_NEWLINE.copy(out, at)
  }
  found.forEach((h, k) => {
    at += out.write(headers[k], at, 'latin1')
    let i = h.a0
    let j = h.b0
    while (i < h.a1 || j < h.b1) {
      if (i < h.a1 && changes.a[i] === 0 && j < h.b1 && changes.b[j] === 0) { line(CONTEXT, a, i); i++; j++; continue }
      while (i < h.a1 && changes.a[i] === 1) { line(REMOVED, a, i); i++; counts.removed++ }
      while (j < h.b1 && changes.b[j] === 1) { line(ADDED, b, j); j++; counts.added++ }
    }
  })
  if (at !== size) throw new Error(`BUG: patch of ${at} bytes, ${size} counted`)
  return out
}

/** A line as a hunk header names it (git's def_ff): one starting with a letter, _ or $; its first 80 bytes, trailing space gone (a byte string). */
function funcLine (lines: Lines, i: number): string | undefined {
  const s = lines.starts[i]
  const c = lines.bytes[s]
  if (lines.starts[i + 1] === s || !((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36)) return undefined
  let e = Math.min(lines.starts[i + 1], s + 80)
  while (e > s && (lines.bytes[e - 1] === 32 || (lines.bytes[e - 1] >= 9 && lines.bytes[e - 1] <= 13))) e--
  return lines.bytes.toString('latin1', s, s + validUtf8Prefix(lines.bytes, s, e))
}

/**
 * How many bytes from `s` are whole, valid UTF-8 (git cuts a hunk header's
 * name there: sane_truncate_line), so a header is never a broken character.
 */
function validUtf8Prefix (b: Uint8Array, s: number, e: number): number {
  let i = s
  while (i < e) {
    const c = b[i]
    let n = 0
    let cp = 0
    if (c < 0x80) { i++; continue } else if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f } else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f } else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07 } else break
    let ok = true
    for (let k = 1; k <= n; k++) {
      if (i + k >= e || (b[i + k] & 0xc0) !== 0x80) { ok = false; break }
      cp = (cp << 6) | (b[i + k] & 0x3f)
    }
    if (!ok) break
    if ((n === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || (cp & 0xfffe) === 0xfffe)) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff))) break
    i += n + 1
  }
  return i - s
}

/** `@@ -a,b` as git writes it: the line before when empty, ",1" left out */
function range (start: number, n: number): string {
  return `${n === 0 ? start : start + 1}${n === 1 ? '' : ',' + String(n)}`
}

/** A text or binary diff of one path between two versions. */
export async function fileDiff (p: string, a: Side, b: Side, sizeOf: (s: NonNullable<Side>) => Promise<number>): Promise<FileDiff> {
  const status = a === undefined ? 'added' : b === undefined ? 'deleted' : 'modified'
  const d: FileDiff = {
    path: p, status, oldKind: a?.entry.kind, newKind: b?.entry.kind, oldCid: a?.entry.cid.toString(), newCid: b?.entry.cid.toString(), binary: false, added: 0, removed: 0
  }
  if (a !== undefined && b !== undefined && a.entry.cid.equals(b.entry.cid)) return d // mode change only
  for (const s of [a, b]) if (s !== undefined && (await sizeOf(s)) > MAX_TEXT) { d.binary = true; return d }
  let left: Uint8Array, right: Uint8Array
  try {
    left = a === undefined ? new Uint8Array() : await a.bytes()
    right = b === undefined ? new Uint8Array() : await b.bytes()
  } catch (err) {
    if (isTooLarge(err)) { d.binary = true; return d } // its links said it was small
    throw err
  }
  if (a !== undefined) d.oldBlob = gitBlobId(left)
  if (b !== undefined) d.newBlob = gitBlobId(right)
  if (isBinary(left) || isBinary(right)) { d.binary = true; return d }
  d.patch = unifiedHunks(left, right, d)
  return d
}

/**
 * The diffs of one path: one, or two where a symlink became a file or a
 * file a symlink (git shows a deletion and an addition: no patch turns one
 * into the other).
 */
export async function pathDiffs (p: string, a: Side, b: Side, sizeOf: (s: NonNullable<Side>) => Promise<number>, store?: BlockStore): Promise<FileDiff[]> {
  // two stored files with other CIDs but the same bytes (chunked another way: the chunker changed) did not change
  if (store !== undefined && a !== undefined && b !== undefined && a.entry.kind === b.entry.kind && a.entry.kind !== 'symlink' &&
    !a.entry.cid.equals(b.entry.cid) && await sameStoredContent(store, a.entry.cid, b.entry.cid)) return []
  if (a !== undefined && b !== undefined && (a.entry.kind === 'symlink') !== (b.entry.kind === 'symlink')) {
    return [await fileDiff(p, a, undefined, sizeOf), await fileDiff(p, undefined, b, sizeOf)]
  }
  return [await fileDiff(p, a, b, sizeOf)]
}

export function treeSide (repo: Repo, e: Entry | undefined): Side {
  if (e === undefined) return undefined
  return {
    entry: e,
    bytes: async () => e.kind === 'symlink' ? new TextEncoder().encode(await readSymlink(repo.store, e.cid)) : await readFileBytes(repo.store, e.cid, MAX_TEXT)
  }
}

export async function diffCommits (repo: Repo, a: CID | undefined, b: CID): Promise<FileDiff[]> {
  const changes: TreeChange[] = await diffTrees(repo.store, a, b)
  const out: FileDiff[] = []
  for (const c of changes) out.push(...await pathDiffs(c.path, treeSide(repo, c.old), treeSide(repo, c.new), async (s) => s.entry.tsize, repo.store))
  return out
}

/**
 * A commit's diff for a page (the web view): patches for the first changed
 * paths until `budget` (files, patch bytes) is spent; the next ones, up to
 * `budget.listed` in all, are listed without reading their content; `more`
 * says there are others still (not counted: a page need not walk them).
 */
export async function diffCommitsUpTo (repo: Repo, a: CID | undefined, b: CID, budget: { files: number, bytes: number, listed: number }): Promise<{ diffs: FileDiff[], rest: Array<{ path: string, status: 'added' | 'modified' | 'deleted' }>, more: boolean }> {
  const { changes, more } = await someTreeChanges(repo.store, a, b, budget.listed)
  const diffs: FileDiff[] = []
  const rest: Array<{ path: string, status: 'added' | 'modified' | 'deleted' }> = []
  let bytes = 0
  for (const c of changes) {
    if (diffs.length >= budget.files || bytes >= budget.bytes) {
      rest.push({ path: c.path, status: c.old === undefined ? 'added' : c.new === undefined ? 'deleted' : 'modified' })
      continue
    }
    for (const d of await pathDiffs(c.path, treeSide(repo, c.old), treeSide(repo, c.new), async (s) => s.entry.tsize, repo.store)) {
      diffs.push(d)
      bytes += d.patch?.byteLength ?? 0
    }
  }
  return { diffs, rest, more }
}
