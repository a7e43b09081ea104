import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { requireIdentity } from '../identity/identity.js'
import { runHook } from '../repo/hooks.js'
import { signHead, decodeHead, headSignedBy } from '../model/head.js'
import { knownClosure, pushObjects } from '../remote/sync.js'
import { openTransport } from '../remote/open.js'
import { publishLocal } from '../remote/directory.js'
import { getRemote } from '../services/remote-state.js'
import { localBranches, nextSeq } from '../services/heads.js'
import { makeHeadMessage } from '../model/message.js'
import { makeIpnsRecord } from '../model/ipns.js'

export interface PushResult { remote?: string, url: string, key: string, seq: number, head: string, branches: Record<string, string>, blocks: number, bytes: number, headMessage: string }

/** `push [REMOTE]`: send the blocks the remote lacks, then a new signed head. Without a remote: publish here. */
export async function push (repo: Repo, ctx: Ctx, opts: { remote?: string, noVerify?: boolean } = {}): Promise<PushResult> {
  const id = requireIdentity(ctx.home)
  // A push to a remote reads what is here and waits on the network: it takes
  // no lock of this repository (a slow remote must not stop a commit). What it
  // sends is read as the refs stand now; a block gc drops meanwhile fails the
  // push before any head is sent. Publishing here is local: under the lock.
  const release = opts.remote === undefined ? repo.lock() : () => {}
  try {
    const heads = localBranches(repo)
    const remote = opts.remote === undefined ? undefined : getRemote(repo, opts.remote)
    const url = remote?.url ?? (repo.root ?? repo.dir)
    // as git's: the remote's name and URL, and on stdin a line a ref: LOCAL_REF LOCAL_CID REMOTE_REF REMOTE_CID (0 when it has none)
    const refLines = Object.entries(heads).map(([b, c]) => {
      const ref = b.startsWith('tags/') ? `refs/${b}` : `refs/heads/${b}`
      const theirs = opts.remote === undefined ? undefined : repo.refs.read(`refs/remotes/${opts.remote}/${b}`)
      return `${ref} ${c.toString()} ${ref} ${theirs?.toString() ?? '0'}\n`
    }).join('')
    if (opts.noVerify !== true && runHook(repo, 'pre-push', [opts.remote ?? '', url], {}, refLines) !== 0) {
      fail('HOOK_REFUSED', 'the pre-push hook refused the push', { hint: 'fix what it reported, or skip it with --no-verify' })
    }
    let moved = { blocks: 0, bytes: 0 }
    let seen = 0
    let known = new Set<string>()
    const t = remote === undefined ? undefined : await openTransport(remote.url)
    try {
      if (t !== undefined) {
        const cur = await t.getHead(id.key)
        // What the remote holds whole: the commits of our head it accepted
        // (signed by us) and the branches we fetched from it; its word that
        // it merely has a block counts only for raw blocks.
        const accepted: CID[] = repo.refs.list(`refs/remotes/${opts.remote!}`).map(([, c]) => c)
        // what the name points to now may be no head of ours (a fresh IPNS name): then start above 0
        if (cur !== undefined) {
          try {
            const h = decodeHead(cur)
            seen = h.seq
            if (headSignedBy(h, id.key)) accepted.push(...Object.values(h.heads))
          } catch { seen = 0 }
        }
        known = await knownClosure(repo.store, accepted)
      }
      const { seq, save } = nextSeq(ctx, id, seen)
      const { bytes, cid } = signHead({ type: 'acache/head', version: 1, key: id.key, seq, time: ctx.now().toISOString(), heads }, id.secretKey)
      await repo.store.put(cid, bytes)
      await repo.store.settle([cid])
      // the same head as an IPNS record, for clients that know IPNS and not acache
      const record = await makeIpnsRecord(id.secretKey, cid, seq)
      if (t !== undefined) {
        // a push the transport sends as it is made starts with the head, and takes parents first
        if (t.openPush !== undefined) await t.openPush(id.key, seq, bytes, record)
        ctx.progress.start(`pushing to ${opts.remote}`, undefined, 'bytes')
        moved = await pushObjects(repo.store, async (c) => await t.hasBlock(c), async (c, b) => await t.putBlock(c, b), Object.values(heads), (n) => ctx.progress.tick(n), (c) => known.has(c.toString()), t.openPush !== undefined ? 'parents' : 'children', t.hasBlocks === undefined ? undefined : async (cs) => await t.hasBlocks!(cs))
        ctx.progress.done()
        await t.putHead(id.key, seq, bytes, record)
      } else publishLocal(repo.layout, id.key, bytes, record)
      save()
      return {
        remote: opts.remote,
        url,
        key: id.key,
        seq,
        head: cid.toString(),
        headMessage: makeHeadMessage(bytes, [url]),
        branches: Object.fromEntries(Object.entries(heads).map(([k, v]) => [k, v.toString()])),
        ...moved
      }
    } finally {
      await t?.close()
    }
  } finally {
    release()
  }
}
