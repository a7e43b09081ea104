import { trace } from '../util/trace.js'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { Head } from '../model/head.js'
import { dagJsonCid } from '../model/commit.js'
import { CountMemo, countEntries } from '../model/tree.js'
import { foldCollision } from '../model/names.js'
import { maxTreeEntries } from '../model/limits.js'
import { BlockStore, LayeredStore } from '../store/blockstore.js'
import { FetchingBlockStore } from '../store/lazy.js'
import { readPartial, writePartial } from '../repo/partial.js'
import { Pulled, PullOptions, pullObjects } from '../remote/sync.js'
import { checkHistoryOwnership } from '../services/ownership.js'
import { RAW } from '../model/tree.js'

/**
 * The one way history enters a repository, whatever carries it (fetch from
 * any transport, `--depth`, a bundle, a push to `serve`):
 *
 * 1. the head: signed by the key expected, not older than the last accepted
 *    (checkHead);
 * 2. the blocks, without the repository lock (the network may be slow):
 *    each checked against its CID and the block size limit, each link by its
 *    codec, each commit's signature, into a private staging store; a present
 *    block stops the walk only when known complete (receive);
 * 3. under the lock: what was taken as present is still there, every new
 *    commit's tree within the entry limit, every new commit within the
 *    ownership rules; then the blocks land, children first, and what is now
 *    whole is recorded as complete (admit).
 *
 * Nothing is stored and no ref moves unless all of it holds.
 */

/** Step 2: every block the roots reach that is not here whole, into `stage` (checked; nothing lands). */
export async function receive (repo: Repo, ctx: Ctx, what: string, roots: CID[], get: (cid: CID) => Promise<Uint8Array>, stage: BlockStore, limits: PullOptions = {}): Promise<Pulled> {
  const complete = repo.complete()
  ctx.progress.start(what, undefined, 'bytes')
  const pulled = await pullObjects(repo.store.offline(), get, roots, stage, (n) => ctx.progress.tick(n), { ...limits, complete: (c) => complete.has(c) })
  ctx.progress.done()
  return pulled
}

/**
 * Step 3, under the repository lock: checks what only the whole history can
 * tell, then lands the blocks. `get` reads what a partial fetch left at the
 * remote (checked), for the ownership rules.
 */
export async function admit (repo: Repo, pulled: Pulled, stage: BlockStore, stagedIn: BlockStore, get: (cid: CID) => Promise<Uint8Array>, remote?: string): Promise<void> {
  const local = repo.store.offline()
  const complete = repo.complete()
  // A block taken as present may have been dropped since (gc of what no ref kept): fetch it again.
  const gone: CID[] = []
  for (const c of pulled.present) if (!(await local.has(c)) || (c.code !== RAW && !complete.has(c))) gone.push(c)
  if (gone.length > 0) {
    for (const c of gone) {
      const more = await pullObjects(local, get, [c], stagedIn, undefined, { complete: (x) => complete.has(x) })
      pulled.order.pushAll(more.order)
      pulled.commits.push(...more.commits)
      pulled.nodes.push(...more.nodes)
    }
  }
  const partial = readPartial(repo.layout)
  const reader = new LayeredStore(stage, pulled.skipped > 0 || partial !== undefined ? new FetchingBlockStore(local, [{ name: remote ?? 'the sender', get }], { keep: false, rethrow: true }) : local)
  // every new tree within the entry limit, each directory read once for all of them
  if (pulled.skipped === 0) {
    const memo: CountMemo = { dirs: new Map(), counts: new Map() }
    for (const { commit } of pulled.commits) await countEntries(reader, commit.tree, maxTreeEntries(), memo)
    // no directory holds two names a case-insensitive file system makes one file (a checkout would write one over the other)
    for (const [cid, entries] of memo.dirs) admitDirectoryNames(entries.keys(), `directory ${cid}`)
  }
  // A repository with no history of its own takes the roots of the first it
  // accepts as its own (as a clone does): they may set rules up for others.
  const adopt = repo.refs.list('refs/heads').length === 0 && repo.knownRoots().size === 0
    ? pulled.commits.filter(c => c.commit.parents.length === 0).map(c => c.cid)
    : []
  await checkHistoryOwnership(repo, pulled.commits, reader, adopt)
  if (remote !== undefined && (pulled.skipped > 0 || partial !== undefined)) {
    // Record first, so that what reads the missing blocks knows where they are.
    const remotes = [...new Set([...(partial?.remotes ?? []), remote])]
    writePartial(repo.layout, { remotes, shallow: [...new Set([...(partial?.shallow ?? []), ...pulled.shallow])] })
  }
  await local.land(pulled.order, stage)
  repo.addKnownRoots(adopt)
  // What was walked is whole now, unless links were left at the remote.
  if (pulled.skipped === 0) complete.add(pulled.nodes)
}

/** One arrival of history (a fetch, a bundle, a push to `serve`): what differs between them. */
export interface Arrival<T> {
  /** for progress: "fetching from alice" */
  what: string
  head: Head
  headBytes: Uint8Array
  /** reads a block from where it comes (the network, the bundle or upload staged) */
  get: (cid: CID) => Promise<Uint8Array>
  /** where the blocks are staged, to land from */
  stage: BlockStore
  /** where receiving puts what it reads: the stage, or nothing when they are staged already */
  receiveInto: BlockStore
  limits?: PullOptions
  /** the remote it comes from, where a partial fetch leaves blocks */
  remote?: string
  /** takes the repository lock (and any turn before it); gives the release */
  lock: () => Promise<() => void>
  /** under the lock, before anything lands: what may have moved meanwhile (the replay check again) */
  recheck: () => void
  /** under the lock, once the blocks and the head are stored: move refs, publish */
  settle: (pulled: Pulled, headCid: CID) => T
}

/**
 * Steps 2 and 3 for any arrival: receive without the lock, then admit and
 * land under it, store the head, and let the caller move its refs.
 */
export async function acceptArrival<T> (repo: Repo, ctx: Ctx, a: Arrival<T>): Promise<{ pulled: Pulled, result: T }> {
  const pulled = await receive(repo, ctx, a.what, Object.values(a.head.heads), a.get, a.receiveInto, a.limits)
  trace(`received ${pulled.blocks} blocks`)
  const release = await a.lock()
  try {
    a.recheck()
    await admit(repo, pulled, a.stage, a.receiveInto, a.get, a.remote)
    trace('admitted and landed')
    const headCid = dagJsonCid(a.headBytes)
    await repo.store.put(headCid, a.headBytes)
    await repo.store.settle([headCid])
    return { pulled, result: a.settle(pulled, headCid) }
  } finally {
    release()
  }
}

/** No directory holds two names a case-insensitive file system makes one file (a checkout would write one over the other). */
export function admitDirectoryNames (names: Iterable<string>, what: string): void {
  const clash = foldCollision(names)
  if (clash !== undefined) fail('BAD_TREE_ENTRY', `refusing ${what}: it holds both ${JSON.stringify(clash[0])} and ${JSON.stringify(clash[1])}, one file on Windows and macOS file systems`, { data: { what, names: clash } })
}
