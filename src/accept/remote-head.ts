import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { nullStore } from '../store/blockstore.js'
import { readRemoteState, writeRemoteState } from '../services/remote-state.js'
import { acceptArrival } from './arrival.js'
import { checkHead } from './head.js'
import { removeStage, resumable, resumeStaging } from './staging.js'
import { markForced, moveRemoteRefs, nextState, RefUpdate } from './refs.js'

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
