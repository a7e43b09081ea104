import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { fail } from '../errors.js'
import { BlockStore } from '../store/blockstore.js'
import { FetchingBlockStore } from '../store/lazy.js'
import { readPartial } from '../repo/partial.js'
import { DAG_JSON, admitCommit } from '../model/commit.js'

/**
 * The repository containing `cwd`, as commands use it: a repository fetched
 * partially reads the blocks it lacks from the remotes they were left at
 * (`onFetch` tells of each).
 */
export function openRepo (cwd: string, onFetch?: (bytes: number) => void): Repo {
  return Repo.find(cwd, (repo, store) => fetchingMissing(repo, store, onFetch))
}

function fetchingMissing (repo: Repo, store: BlockStore, onFetch?: (bytes: number) => void): BlockStore {
  const partial = readPartial(repo.layout)
  if (partial === undefined || partial.remotes.length === 0) return store
  const sources = partial.remotes.map(name => ({ name, get: async (cid: CID) => await fetchOneBlock(repo, name, cid) }))
  return new FetchingBlockStore(store, sources, { keep: true, admit: admitLater, onFetch })
}

/**
 * A block a partial fetch left at the remote, read now: a commit must carry
 * a valid signature before it is kept (its ownership is checked where it
 * enters a branch: merge).
 */
function admitLater (cid: CID, bytes: Uint8Array): void {
  if (cid.code === DAG_JSON) admitCommit(cid, bytes)
}

/** One block from a remote (the transport code is loaded on first use). */
async function fetchOneBlock (repo: Repo, name: string, cid: CID): Promise<Uint8Array> {
  const r = repo.config.remotes[name]
  if (r === undefined) fail('USAGE', `no remote named ${name}`)
  const { openTransport } = await import('../remote/open.js')
  const t = await openTransport(r.url)
  try { return await t.getBlock(cid) } finally { await t.close() }
}
