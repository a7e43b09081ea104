import { embeddedStore } from '../store/open.js'
import { fail } from '../errors.js'
import { CompleteSet } from '../repo/complete.js'
import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { AcacheError } from '../errors.js'
import { walkDag } from '../model/dag.js'
import { decodeHead } from '../model/head.js'
import { dagJsonCid } from '../model/commit.js'
import { readMergeState } from '../merge/state.js'
import { readRemoteState } from '../services/remote-state.js'
import { removeDeadStaging } from '../accept/staging.js'
import { BlockStore } from '../store/blockstore.js'
import { removeOlderThan } from '../util/fs.js'
import { resolveRev } from '../repo/revs.js'
import { inspect } from '../model/tree.js'
import { DAG_PB, RAW } from '../model/tree.js'

export interface GcResult {
  dryRun: boolean
  reachable: number
  dropped: { blocks: number, bytes: number }
  kept: { blocks: number, bytes: number }
  young: number
  /** with a Kubo store: the roots pinned, and the old pins of this repository removed */
  kubo?: { api: string, pinned: number, unpinned: number }
}

/**
 * Every block a root reaches, by multihash (hex): what the store must keep.
 * The walk goes by CID, codec included: the same bytes reached first as a
 * file (raw) and later as a commit must still be followed as the commit.
 * Missing blocks are skipped (a partial fetch).
 */
async function reach (store: BlockStore, roots: CID[], onBlock?: (cid: CID, bytes: Uint8Array) => void): Promise<{ keep: Set<string>, visited: Set<string> }> {
  const keep = new Set<string>()
  const visited = new Set<string>()
  const read = async ({ cid }: { cid: CID }): Promise<Uint8Array | undefined> => {
    visited.add(cid.toString())
    keep.add(Buffer.from(cid.multihash.bytes).toString('hex'))
    try { return await store.get(cid) } catch (err) {
      if (err instanceof AcacheError && err.code === 'MISSING_OBJECT') return undefined
      throw err
    }
  }
  for await (const { cid, bytes } of walkDag({ roots: roots.map(cid => ({ cid, via: undefined })), read })) onBlock?.(cid, bytes)
  return { keep, visited }
}

/** What must never be dropped: refs (branches, remote branches, pins), HEAD, a merge under way, published and accepted heads. */
export function gcRoots (repo: Repo, reflogDays = 90, now: Date = new Date()): CID[] {
  const roots: CID[] = repo.refs.list('refs').map(([, c]) => c)
  const h = repo.refs.head()
  if (h.cid !== undefined) roots.push(h.cid)
  const m = readMergeState(repo)
  if (m !== undefined) roots.push(m.other, m.orig, m.result)
  let published: string[] = []
  try { published = fs.readdirSync(repo.layout.published()) } catch {}
  for (const f of published) {
    try {
      const bytes = fs.readFileSync(repo.layout.published(f))
      const head = decodeHead(bytes)
      roots.push(dagJsonCid(bytes), ...Object.values(head.heads))
    } catch { /* a damaged head keeps nothing */ }
  }
  // stashes
  try {
    for (const e of JSON.parse(fs.readFileSync(repo.layout.stash, 'utf8'))) roots.push(CID.parse(e.commit))
  } catch { /* none, or damaged (stash list says so) */ }
  // what the reflog names from the last 90 days (a reset, an amend, a deleted
  // branch left it behind) is kept, as git keeps it; gc --now keeps none of it
  if (reflogDays > 0) {
    const since = now.getTime() - reflogDays * 24 * 3600 * 1000
    for (const ref of repo.refs.withLogs()) {
      for (const e of repo.refs.readLog(ref)) {
        if (!(Date.parse(e.time) >= since)) continue
        if (e.new !== undefined) roots.push(e.new)
        if (e.old !== undefined) roots.push(e.old)
      }
    }
  }
  for (const name of Object.keys(repo.config.remotes)) {
    const s = readRemoteState(repo, name)
    if (s !== undefined && s.head !== '') roots.push(CID.parse(s.head))
  }
  return roots
}

/**
 * `gc`: drops blocks no root reaches. Takes the repository lock, so no
 * commit, fetch or merge of this repository writes blocks meanwhile; and
 * keeps blocks younger than `graceMs` anyway (a process of another version,
 * or one that crashed, may still mean to use them), unless `now`.
 */
export async function gc (repo: Repo, ctx: Ctx, opts: { dryRun?: boolean, now?: boolean, graceMs?: number, pack?: boolean } = {}): Promise<GcResult> {
  const release = repo.lock()
  try {
    // --pack: a store kept a file a block (flatfs, as repositories made before packs) becomes packed; this gc moves its small blocks
    let store = repo.store
    if (opts.pack === true) {
      const sc = repo.config.store
      if (sc.type !== 'embedded') fail('USAGE', 'gc --pack is for the embedded store; a Kubo node keeps its own blocks')
      if (opts.dryRun !== true && sc.layout !== 'packed') {
        repo.config.store = { type: 'embedded', layout: 'packed' }
        repo.saveConfig()
      }
      store = embeddedStore(repo.layout.blocks, 'packed')
    }
    const graceMs = opts.now === true ? 0 : (opts.graceMs ?? 60 * 60 * 1000)
    const dryRun = opts.dryRun === true
    let walked: { keep: Set<string>, visited: Set<string> } | undefined
    const roots = gcRoots(repo, opts.now === true ? 0 : 90, ctx.now())
    ctx.progress.start('collecting garbage', undefined)
    const c = await store.collect({
      roots,
      // what a partial fetch left at a remote is not fetched to be kept
      reachable: async () => (walked = await reach(repo.store.offline(), roots)).keep,
      graceMs,
      dryRun,
      tick: () => ctx.progress.tick(1)
    })
    if (!dryRun) {
      // what processes that died left: staging of a dead process at once, the rest after the grace time
      removeDeadStaging(repo)
      for (const dir of [repo.layout.tmp, repo.layout.staging()]) removeOlderThan(dir, ctx.now().getTime() - graceMs)
      if (walked !== undefined) {
        repo.complete().retain(walked.visited)
        new CompleteSet(repo.layout.verified).retain(walked.visited) // a closure gc cut into is not known sound any more
      }
    }
    ctx.progress.done()
    return { dryRun, reachable: walked?.keep.size ?? 0, dropped: c.dropped, kept: c.kept, young: c.young, ...(c.pins !== undefined ? { kubo: { api: c.pins.node, pinned: c.pins.pinned, unpinned: c.pins.unpinned } } : {}) }
  } finally {
    release()
  }
}

export interface SizeResult { commit: string, logical: number, files: number, stored: number, blocks: number, store: number }

/** `size [REV]`: the bytes of the files (logical) against the unique blocks that hold them (stored), like du. */
export async function size (repo: Repo, rev = 'HEAD'): Promise<SizeResult> {
  const cid = await resolveRev(repo, rev)
  const c = await repo.readCommit(cid)
  let stored = 0
  let blocks = 0
  await reach(repo.store, [c.tree], (_cid, bytes) => { stored += bytes.byteLength; blocks++ })
  const { flattenTree } = await import('../model/tree.js')
  const { files } = await flattenTree(repo.store, c.tree)
  let logical = 0
  for (const e of files.values()) {
    if (e.kind === 'symlink') continue
    logical += e.cid.code === RAW ? e.tsize : e.cid.code === DAG_PB ? (await inspect(repo.store, e.cid)).size : 0
  }
  const total = await repo.store.totalBytes()
  return { commit: cid.toString(), logical, files: files.size, stored, blocks, store: total }
}
