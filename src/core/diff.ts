import { CID } from 'multiformats/cid'
import { structuredPatch } from 'diff'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { isBinary } from '../util/text.js'
import { resolveRev } from '../repo/revs.js'
import { diffTrees, TreeChange } from '../model/treediff.js'
import { Entry, Kind, flattenTree, readSymlink } from '../model/tree.js'
import { isTooLarge, readFileBytes } from '../model/file.js'
import { StatCache, entryOf } from '../worktree/index.js'
import { compareWorktree, underPaths } from '../worktree/snapshot.js'
import { repoPaths } from '../worktree/paths.js'
import fs from 'node:fs'
import path from 'node:path'

export interface FileDiff {
  path: string
  status: 'added' | 'modified' | 'deleted'
  oldKind?: Kind
  newKind?: Kind
  oldCid?: string
  newCid?: string
  binary: boolean
  added: number
  removed: number
  /** unified diff hunks, git style, when the content is text */
  patch?: string
}

const MAX_TEXT = 8 * 1024 * 1024


type Side = { entry: Entry, bytes: () => Promise<Uint8Array> } | undefined

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
  if (isBinary(left) || isBinary(right)) { d.binary = true; return d }
  const patch = structuredPatch(a === undefined ? '/dev/null' : `a/${p}`, b === undefined ? '/dev/null' : `b/${p}`,
    Buffer.from(left).toString('utf8'), Buffer.from(right).toString('utf8'), '', '', { context: 3 })
  const lines: string[] = []
  for (const h of patch.hunks) {
    // an empty side is -0,0 / +0,0 (what patch and git apply expect for added and deleted files)
    const o = h.oldLines === 0 ? 0 : h.oldStart
    const n = h.newLines === 0 ? 0 : h.newStart
    lines.push(`@@ -${o},${h.oldLines} +${n},${h.newLines} @@`)
    for (const l of h.lines) {
      lines.push(l)
      if (l.startsWith('+')) d.added++
      else if (l.startsWith('-')) d.removed++
    }
  }
  d.patch = lines.join('\n')
  return d
}

function treeSide (repo: Repo, e: Entry | undefined): Side {
  if (e === undefined) return undefined
  return {
    entry: e,
    bytes: async () => e.kind === 'symlink' ? new TextEncoder().encode(await readSymlink(repo.store, e.cid)) : await readFileBytes(repo.store, e.cid, MAX_TEXT)
  }
}

function workSide (repo: Repo, p: string, e: Entry | undefined): Side {
  if (e === undefined) return undefined
  const abs = path.join(repo.worktree, p)
  return {
    entry: e,
    bytes: async () => e.kind === 'symlink' ? new TextEncoder().encode(fs.readlinkSync(abs)) : fs.readFileSync(abs)
  }
}

/**
 * `diff` (HEAD against the working root), `diff REV` (REV against the
 * working root), `diff A B` (two commits).
 */
export async function diff (repo: Repo, ctx: Ctx, opts: { revs: string[], paths?: string[] }): Promise<FileDiff[]> {
  const paths = repo.root === undefined ? undefined : repoPaths(repo.worktree, ctx.cwd, opts.paths)
  const treeOf = async (rev: string): Promise<CID> => (await repo.readCommit(await resolveRev(repo, rev))).tree
  const sizeOf = async (s: NonNullable<Side>): Promise<number> => s.entry.tsize
  const out: FileDiff[] = []
  if (opts.revs.length >= 2) {
    const changes = await diffTrees(repo.store, await treeOf(opts.revs[0]), await treeOf(opts.revs[1]))
    for (const c of changes) {
      if (!underPaths(c.path, paths)) continue
      out.push(await fileDiff(c.path, treeSide(repo, c.old), treeSide(repo, c.new), sizeOf))
    }
    return out
  }
  const head = repo.headCommit()
  const headTree = head === undefined ? undefined : (await repo.readCommit(head)).tree
  const base = opts.revs.length === 1 ? await treeOf(opts.revs[0]) : headTree
  const cache = await StatCache.load(repo, headTree)
  const cmp = await compareWorktree(repo, cache, { hashAdded: true, paths })
  const baseFiles = base === undefined ? new Map<string, Entry>() : (await flattenTree(repo.store, base)).files
  const names = new Set<string>()
  for (const p of baseFiles.keys()) if (underPaths(p, paths)) names.add(p)
  for (const p of cmp.present) names.add(p)
  for (const p of [...names].sort()) {
    const a = baseFiles.get(p)
    const cur = cmp.lookup(p)
    const b = cur === undefined ? undefined : entryOf(cur)
    if (a !== undefined && b !== undefined && a.cid.equals(b.cid) && a.kind === b.kind) continue
    out.push(await fileDiff(p, treeSide(repo, a), workSide(repo, p, b), async (s) => s === undefined ? 0 : s.entry.tsize))
  }
  return out
}

export async function diffCommits (repo: Repo, a: CID | undefined, b: CID): Promise<FileDiff[]> {
  const changes: TreeChange[] = await diffTrees(repo.store, a, b)
  const out: FileDiff[] = []
  for (const c of changes) out.push(await fileDiff(c.path, treeSide(repo, c.old), treeSide(repo, c.new), async (s) => s.entry.tsize))
  return out
}
