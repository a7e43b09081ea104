import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { asAcacheError, fail } from '../errors.js'
import { runHook } from '../repo/hooks.js'
import { Head } from '../model/head.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { nullStore } from '../store/blockstore.js'
import { readHeadMessage } from '../model/message.js'
import { openTransport } from '../remote/open.js'
import { getRemote, readRemoteState, RemoteState, writeRemoteState } from '../services/remote-state.js'
import { isAncestor } from '../merge/base.js'
import { acceptArrival } from '../accept/arrival.js'
import { checkHead } from '../accept/head.js'
import { removeStage, resumable, resumeStaging } from '../accept/staging.js'

export interface RefUpdate {
  ref: string
  old?: string
  new?: string
  /** the new commit does not descend from the old one: history was rewritten (git's forced update) */
  forced?: boolean
  /** not moved, and why (a tag that would move: git's "would clobber existing tag"); `fetch --force` moves it */
  rejected?: string
}
export interface FetchResult { remote: string, key: string, seq: number, /** a head of some branches (a bundle) */ partial?: true, upToDate: boolean, blocks: number, bytes: number, commits: number, refs: RefUpdate[], skipped?: number, /** blocks an interrupted fetch had staged, not downloaded again */ resumed?: number, /** fetching all remotes: why this one failed */ error?: { code: string, message: string, exitCode: number } }

/**
 * Accepts a signed head for remote `name` (see accept.ts): the head must be
 * signed by the remote's key and not be older than the last one accepted (a
 * replay); every block it reaches that is not here whole is read with `get`
 * and checked, without the repository lock; then, under the lock, the
 * history is checked against the limits and ownership rules, landed, and
 * only then do the refs move. `staged`: the blocks are already in this
 * store (a bundle), nothing is copied.
 */
export async function acceptHead (repo: Repo, ctx: Ctx, name: string, key: string, headBytes: Uint8Array, get: (cid: CID) => Promise<Uint8Array>, staged?: FsBlockStore, limits: { depth?: number, paths?: string[], force?: boolean } = {}): Promise<FetchResult> {
  const { head } = checkHead(headBytes, key, name, readRemoteState(repo, name))
  // a fetch run again after it was interrupted takes over what it had staged
  const stage = staged ?? resumeStaging(repo)
  const resume = staged === undefined ? resumable(stage, get) : undefined
  const read = resume?.get ?? get
  try {
    const { result } = await acceptArrival(repo, ctx, {
      what: `fetching from ${name}`,
      head,
      headBytes,
      get: read,
      stage,
      receiveInto: staged !== undefined ? nullStore : stage,
      limits,
      remote: name,
      lock: async () => repo.lock(),
      // another fetch may have moved on meanwhile
      recheck: () => { checkHead(headBytes, key, name, readRemoteState(repo, name)) },
      settle: (pulled, headCid) => {
        const state = readRemoteState(repo, name)
        const refs = moveRemoteRefs(repo, name, head, state, limits.force === true)
        writeRemoteState(repo, name, nextState(state, head, headCid))
        return { remote: name, key, seq: head.seq, partial: head.partial, upToDate: refs.every(u => u.rejected !== undefined) && pulled.blocks === 0, blocks: pulled.blocks, bytes: pulled.bytes, commits: pulled.commits.length, refs, skipped: pulled.skipped, resumed: resume?.resumed() }
      }
    })
    await markForced(repo, result.refs)
    return result
  } finally {
    if (staged === undefined) removeStage(stage)
  }
}

/** Which moves rewrote history: the old commit is not an ancestor of the new one (unknown where history was fetched only in part). */
async function markForced (repo: Repo, refs: RefUpdate[]): Promise<void> {
  const parentsOf = async (id: string): Promise<string[]> => (await repo.readCommit(CID.parse(id))).parents.map(String)
  for (const u of refs) {
    if (u.old === undefined || u.new === undefined || u.rejected !== undefined) continue
    try {
      if (!(await isAncestor(u.old, u.new, parentsOf))) u.forced = true
    } catch { /* history not here (a shallow fetch): not known */ }
  }
}

/**
 * refs/remotes/NAME/* become exactly a full head's branches, except those a
 * newer partial head set; a partial head moves only the branches it names.
 */
function moveRemoteRefs (repo: Repo, name: string, head: Head, state: RemoteState | undefined, force: boolean): RefUpdate[] {
  const refs: RefUpdate[] = []
  const prefix = `refs/remotes/${name}`
  const keep = new Set(Object.entries(state?.newer ?? {}).filter(([, n]) => n.seq > head.seq).map(([b]) => `${prefix}/${b}`))
  const wanted = new Map(Object.entries(head.heads).map(([b, c]) => [`${prefix}/${b}`, c]))
  for (const [ref, old] of repo.listRefs(prefix)) {
    if (head.partial !== true && !wanted.has(ref) && !keep.has(ref)) { repo.deleteRef(ref); refs.push({ ref, old: old.toString() }) }
  }
  for (const [ref, cid] of wanted) {
    if (keep.has(ref)) continue
    const old = repo.readRef(ref)
    if (old?.equals(cid) === true) continue
    // a tag names one commit for good: one that moves is refused, as git's fetch does
    if (old !== undefined && ref.startsWith(`${prefix}/tags/`) && !force) {
      refs.push({ ref, old: old.toString(), new: cid.toString(), rejected: 'would clobber existing tag' })
      continue
    }
    repo.writeRef(ref, cid, `fetch ${name}: seq ${head.seq}`)
    refs.push({ ref, old: old?.toString(), new: cid.toString() })
  }
  return refs
}

/** What is recorded as accepted once `head` is. */
function nextState (state: RemoteState | undefined, head: Head, cid: CID): RemoteState {
  if (head.partial !== true) {
    const newer = Object.fromEntries(Object.entries(state?.newer ?? {}).filter(([, n]) => n.seq > head.seq))
    return { seq: head.seq, head: cid.toString(), time: head.time, ...(Object.keys(newer).length > 0 ? { newer } : {}) }
  }
  const newer = { ...state?.newer }
  for (const [b, c] of Object.entries(head.heads)) newer[b] = { seq: head.seq, commit: c.toString() }
  return { ...(state ?? { seq: 0, head: '', time: '' }), newer }
}

/** `fetch [REMOTE]`: every remote when none is named. */
export async function fetch (repo: Repo, ctx: Ctx, opts: { remote?: string, depth?: number, paths?: string[], headMessage?: string, force?: boolean } = {}): Promise<FetchResult[]> {
  const names = opts.remote !== undefined ? [opts.remote] : Object.keys(repo.config.remotes)
  if (opts.headMessage !== undefined && names.length !== 1) fail('USAGE', '--head goes with one remote: name it')
  const given = opts.headMessage === undefined ? undefined : readHeadMessage(opts.headMessage)
  if (names.length === 0) fail('USAGE', 'there are no remotes to fetch from', { hint: 'add one with `acache remote add NAME MESSAGE`' })
  const results: FetchResult[] = []
  const one = async (name: string): Promise<FetchResult> => {
    const remote = getRemote(repo, name)
    const t = await openTransport(remote.url)
    try {
      // a head given as a message (where IPNS cannot carry it) is checked exactly like a published one
      const bytes = given ?? await t.getHead(remote.key)
      if (bytes === undefined) fail('MISSING_OBJECT', `${name} (${remote.url}) has published no head for ${remote.key} (or it cannot be resolved)`, { hint: 'ask them to run `acache push` there, or to send the head as a message: `acache fetch NAME --head MESSAGE`' })
      return await acceptHead(repo, ctx, name, remote.key, bytes, async (cid) => await t.getBlock(cid), undefined, { depth: opts.depth, paths: opts.paths, force: opts.force })
    } finally {
      await t.close()
    }
  }
  if (opts.remote !== undefined) {
    results.push(await one(opts.remote))
  } else {
    // every remote, each on its own: one that fails does not hide what the others moved
    for (const name of names) {
      try {
        results.push(await one(name))
      } catch (err) {
        const e = asAcacheError(err)
        if (e.code === 'BUG') throw err
        results.push({ remote: name, key: repo.config.remotes[name]?.key ?? '', seq: 0, upToDate: false, blocks: 0, bytes: 0, commits: 0, refs: [], error: { code: e.code, message: e.message, exitCode: e.exitCode } })
      }
    }
  }
  runHook(repo, 'post-fetch', names)
  return results
}
