import { readSparse } from '../repo/sparse.js'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { asAcacheError, fail } from '../errors.js'
import { runHook } from '../repo/hooks.js'
import { readHeadMessage } from '../model/message.js'
import { openTransport } from '../remote/open.js'
import { getRemote } from '../services/remote-state.js'
import type { RefUpdate } from '../accept/refs.js'

import { acceptHead, FetchResult } from '../accept/remote-head.js'

export { acceptHead }
export type { FetchResult, RefUpdate }

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
