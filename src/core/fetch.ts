import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from './context.js'
import { fail } from '../errors.js'
import { runHook } from '../repo/hooks.js'
import { Head, decodeHead, headSignedBy } from '../model/head.js'
import { dagJsonCid } from '../model/commit.js'
import { FsBlockStore } from '../store/fs-blockstore.js'
import { BlockStore, checkBlock, nullStore } from '../store/blockstore.js'
import { readPartial, writePartial } from '../store/lazy.js'
import { readHeadMessage } from '../model/message.js'
import { Pulled, landBlocks, pullObjects } from '../remote/sync.js'
import { openTransport } from '../remote/open.js'
import { getRemote, readRemoteState, writeRemoteState } from './remotes.js'
import { checkHistoryOwnership } from './ownership.js'

export interface RefUpdate { ref: string, old?: string, new?: string }
export interface FetchResult { remote: string, key: string, seq: number, upToDate: boolean, blocks: number, bytes: number, commits: number, refs: RefUpdate[], skipped?: number }

/** A private staging store for blocks not yet accepted; removed whatever happens. */
export function staging (repo: Repo): FsBlockStore {
  const dir = repo.path('staging', `${process.pid}-${Date.now()}`)
  return FsBlockStore.init(dir)
}

/**
 * Accepts a signed head for remote `name`: the head must be signed by the
 * remote's key and not be older than the last one accepted (a replay); then
 * every block it reaches that we lack is read with `get`, checked, staged,
 * checked against ownership rules, landed, and only then are the refs moved.
 */
export async function acceptHead (repo: Repo, ctx: Ctx, name: string, key: string, headBytes: Uint8Array, get: (cid: CID) => Promise<Uint8Array>, stageInto?: FsBlockStore, limits: { depth?: number, paths?: string[] } = {}): Promise<FetchResult> {
  const head: Head = decodeHead(headBytes)
  if (head.key !== key) {
    fail('UNTRUSTED_KEY', `the head from ${name} is signed by ${head.key}, not by ${key} as recorded for ${name}`, { data: { remote: name, key: head.key, expected: key } })
  }
  if (!headSignedBy(head, key)) fail('BAD_SIGNATURE', `the head from ${name} has a signature that does not match ${key}`, { data: { remote: name } })
  const headCid = dagJsonCid(headBytes)
  const last = readRemoteState(repo, name)
  if (last !== undefined && head.seq < last.seq) {
    fail('REPLAY', `refusing an older head from ${name}: its seq is ${head.seq}, but seq ${last.seq} was already accepted (a replayed head)`, { data: { remote: name, seq: head.seq, accepted: last.seq } })
  }
  if (last !== undefined && head.seq === last.seq && last.head !== headCid.toString()) {
    fail('REPLAY', `refusing a head from ${name} with seq ${head.seq} that differs from the one already accepted with that seq`, { data: { remote: name, seq: head.seq } })
  }
  const roots = Object.values(head.heads)
  const stage = stageInto ?? staging(repo)
  let pulled: Pulled
  try {
    ctx.progress.start(`fetching from ${name}`, undefined, 'bytes')
    const partial = readPartial(repo.dir)
    // Read what is here without fetching what a partial fetch left out: the walk decides what to fetch.
    const local = repo.store instanceof FsBlockStore ? new FsBlockStore((repo.store as FsBlockStore).dir) : repo.store
    pulled = await pullObjects(local, get, roots, stageInto !== undefined ? discard : stage, (n) => ctx.progress.tick(n), { ...limits, partialLocal: partial !== undefined })
    ctx.progress.done()
    // Ownership rules over every new commit, reading trees from both stores
    // (and, for a partial fetch, what was left out comes from the remote).
    const reader = layered(stage, pulled.skipped > 0 ? withFallback(local, get) : local)
    await checkHistoryOwnership(repo, pulled.commits, reader)
    if (pulled.skipped > 0 || partial !== undefined) {
      // Record first, so that what reads the missing blocks knows where they are.
      const remotes = [...new Set([...(partial?.remotes ?? []), name])]
      writePartial(repo.dir, { remotes, shallow: [...new Set([...(partial?.shallow ?? []), ...pulled.shallow])] })
    }
    await landBlocks(pulled.order, stage, local)
  } finally {
    fs.rmSync(stage.dir, { recursive: true, force: true })
  }
  await repo.store.put(headCid, headBytes)
  await repo.store.settle?.([headCid])
  const refs: RefUpdate[] = []
  const prefix = `refs/remotes/${name}`
  for (const [ref, old] of repo.listRefs(prefix)) {
    const branch = ref.slice(prefix.length + 1)
    if (head.heads[branch] === undefined) { repo.deleteRef(ref); refs.push({ ref, old: old.toString() }) }
  }
  for (const [branch, cid] of Object.entries(head.heads)) {
    const ref = `${prefix}/${branch}`
    const old = repo.readRef(ref)
    if (old?.equals(cid) === true) continue
    repo.writeRef(ref, cid)
    refs.push({ ref, old: old?.toString(), new: cid.toString() })
  }
  writeRemoteState(repo, name, { seq: head.seq, head: headCid.toString(), time: head.time })
  return { remote: name, key, seq: head.seq, upToDate: refs.length === 0 && pulled.blocks === 0, blocks: pulled.blocks, bytes: pulled.bytes, commits: pulled.commits.length, refs, skipped: pulled.skipped }
}

/** Reads from `store`, and what it lacks from the remote (checked). */
function withFallback (store: BlockStore, get: (cid: CID) => Promise<Uint8Array>): BlockStore {
  return {
    ...store,
    get: async (cid) => {
      if (await store.has(cid)) return await store.get(cid)
      const b = await get(cid)
      checkBlock(cid, b)
      return b
    },
    has: async (cid) => await store.has(cid),
    put: async (cid, b) => { await store.put(cid, b) },
    delete: async (cid) => { await store.delete(cid) },
    keys: () => store.keys(),
    size: async (cid) => await store.size(cid)
  }
}

/** Blocks already staged elsewhere (a bundle): nothing to copy. */
const discard: BlockStore = nullStore

/** Reads from the first store that has the block. */
export function layered (a: BlockStore, b: BlockStore): BlockStore {
  return {
    get: async (cid) => (await a.has(cid)) ? await a.get(cid) : await b.get(cid),
    put: async (cid, bytes) => { await a.put(cid, bytes) },
    has: async (cid) => (await a.has(cid)) || (await b.has(cid)),
    delete: async () => {},
    keys: async function * () {},
    size: async (cid) => (await a.size(cid)) ?? (await b.size(cid))
  }
}

/** `fetch [REMOTE]`: every remote when none is named. */
export async function fetch (repo: Repo, ctx: Ctx, opts: { remote?: string, depth?: number, paths?: string[], headMessage?: string } = {}): Promise<FetchResult[]> {
  const names = opts.remote !== undefined ? [opts.remote] : Object.keys(repo.config.remotes)
  if (opts.headMessage !== undefined && names.length !== 1) fail('USAGE', '--head goes with one remote: name it')
  const given = opts.headMessage === undefined ? undefined : readHeadMessage(opts.headMessage)
  if (names.length === 0) fail('USAGE', 'there are no remotes to fetch from', { hint: 'add one with `acache remote add NAME MESSAGE`' })
  const results: FetchResult[] = []
  const release = repo.lock()
  try {
    for (const name of names) {
      const remote = getRemote(repo, name)
      const t = await openTransport(remote.url)
      try {
        // a head given as a message (where IPNS cannot carry it) is checked exactly like a published one
        const bytes = given ?? await t.getHead(remote.key)
        if (bytes === undefined) fail('MISSING_OBJECT', `${name} (${remote.url}) has published no head for ${remote.key} (or it cannot be resolved)`, { hint: 'ask them to run `acache push` there, or to send the head as a message: `acache fetch NAME --head MESSAGE`' })
        results.push(await acceptHead(repo, ctx, name, remote.key, bytes, async (cid) => await t.getBlock(cid), undefined, { depth: opts.depth, paths: opts.paths }))
      } finally {
        await t.close()
      }
    }
  } finally {
    release()
  }
  runHook(repo, 'post-fetch', names)
  return results
}
