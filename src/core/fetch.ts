import { readSparse } from '../repo/sparse.js'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { asAcacheError, fail } from '../errors.js'
import { runHook } from '../repo/hooks.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { nullStore } from '../store/blockstore.js'
import { readHeadMessage } from '../model/message.js'
import { openTransport } from '../remote/open.js'
import { getRemote, readRemoteState, writeRemoteState } from '../services/remote-state.js'
import { acceptArrival } from '../accept/arrival.js'
import { checkHead } from '../accept/head.js'
import { removeStage, resumable, resumeStaging } from '../accept/staging.js'
import { markForced, moveRemoteRefs, nextState, RefUpdate } from '../accept/refs.js'

export type { RefUpdate }

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
      // a sparse checkout fetches what it checks out: the rest stays at the remote until read
      return await acceptHead(repo, ctx, name, remote.key, bytes, async (cid) => await t.getBlock(cid), undefined, { depth: opts.depth, paths: opts.paths ?? readSparse(repo.layout), force: opts.force })
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
