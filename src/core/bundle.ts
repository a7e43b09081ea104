import fs from 'node:fs'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { AcacheError, fail } from '../errors.js'
import { requireIdentity } from '../identity/identity.js'
import { headFileName, signHead, validBranchName } from '../model/head.js'
import { DAG_JSON, dagJsonCid } from '../model/commit.js'
import { pushObjects } from '../remote/sync.js'
import { publishLocal } from '../remote/directory.js'
import { resolveRev } from '../repo/revs.js'
import { localBranches, nextSeq } from '../services/heads.js'
import { acceptHead, FetchResult } from '../accept/remote-head.js'
import { checkHead } from '../accept/head.js'
import { staging, removeStage } from '../accept/staging.js'
import { readCar } from '../remote/car.js'
import { makeIpnsRecord } from '../model/ipns.js'
import { decodeHead } from '../model/head.js'
import { remoteForKey } from '../services/remote-state.js'

export interface BundleCreated { file: string, head: string, seq: number, branches: Record<string, string>, /** each branch's tree: what `ipfs-car unpack FILE --root TREE` extracts */ trees: Record<string, string>, blocks: number, bytes: number }

/** The head published here for `key`, when it is a full head naming exactly `heads`. */
function publishedIfSame (repo: Repo, key: string, heads: Record<string, CID>): { head: ReturnType<typeof decodeHead>, bytes: Uint8Array, cid: CID } | undefined {
  let bytes: Uint8Array
  try { bytes = fs.readFileSync(repo.layout.published(headFileName(key))) } catch { return undefined }
  let head
  try { head = decodeHead(bytes) } catch { return undefined }
  if (head.partial === true || head.key !== key) return undefined
  const a = Object.entries(head.heads).map(([b, c]) => `${b} ${c.toString()}`).sort().join('\n')
  const b = Object.entries(heads).map(([n, c]) => `${n} ${c.toString()}`).sort().join('\n')
  return a === b ? { head, bytes, cid: dagJsonCid(bytes) } : undefined
}

/**
 * `bundle create FILE [BRANCH...]`: a CARv1 file whose one root is a newly
 * signed head, followed by every block the head reaches. Any CAR reader
 * (`@ipld/car`, `ipfs dag import`) can read it.
 */
export async function createBundle (repo: Repo, ctx: Ctx, file: string, branches: string[] = []): Promise<BundleCreated> {
  const id = requireIdentity(ctx.home)
  const { CarWriter } = await import('@ipld/car')
  let heads: Record<string, CID>
  if (branches.length === 0) heads = localBranches(repo)
  else {
    heads = {}
    for (const b of branches) {
      if (!validBranchName(b)) fail('USAGE', `${JSON.stringify(b)} is not a branch name: a bundle names branches`, { hint: 'make a branch at that commit first: `acache branch NAME REV`' })
      heads[b] = await resolveRev(repo, b)
    }
  }
  // a bundle of every branch when nothing changed since the head published here: that same head, no new seq
  const same = branches.length === 0 ? publishedIfSame(repo, id.key, heads) : undefined
  const { seq, save } = same !== undefined ? { seq: same.head.seq, save: () => {} } : nextSeq(ctx, id)
  const unsigned = { type: 'acache/head' as const, version: 1 as const, key: id.key, seq, time: ctx.now().toISOString(), heads }
  // a bundle of some branches moves only those at a friend's (a partial head)
  const signed = same ?? signHead(branches.length === 0 ? unsigned : { ...unsigned, partial: true }, id.secretKey)
  const tmp = `${file}.tmp-${process.pid}`
  const { writer, out } = CarWriter.create([signed.cid])
  const sink = fs.createWriteStream(tmp)
  const piping = (async () => { for await (const chunk of out) { if (!sink.write(chunk)) await once(sink, 'drain') } sink.end(); await once(sink, 'finish') })()
  let moved
  try {
    await writer.put({ cid: signed.cid, bytes: signed.bytes })
    ctx.progress.start('bundling', undefined, 'bytes')
    // parents first (a DFS CAR, as ipfs dag export writes): what a server receiving it can walk as it reads
    moved = await pushObjects(repo.store, async () => false, async (cid, bytes) => { await writer.put({ cid, bytes }) }, Object.values(heads), (n) => ctx.progress.tick(n), undefined, 'parents')
    ctx.progress.done()
    await writer.close()
    await piping
    fs.renameSync(tmp, file)
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw err
  }
  save()
  // A bundle's head of every branch is also what this repository publishes:
  // a friend who imports it and later fetches sees the same seq, never an
  // older one that looks like a replay. A bundle of some branches is a
  // partial head, never published: a friend who imports it keeps those
  // branches until a full head newer than it comes.
  if (branches.length === 0 && same === undefined) {
    await repo.store.put(signed.cid, signed.bytes)
    publishLocal(repo.layout, id.key, signed.bytes, await makeIpnsRecord(id.secretKey, signed.cid, seq))
  }
  const trees: Record<string, string> = {}
  for (const [b, c] of Object.entries(heads)) trees[b] = (await repo.readCommit(c)).tree.toString()
  return { file, head: signed.cid.toString(), seq, branches: Object.fromEntries(Object.entries(heads).map(([k, v]) => [k, v.toString()])), trees, blocks: moved.blocks + 1, bytes: moved.bytes + signed.bytes.byteLength }
}

/**
 * `bundle import FILE`: the root must be a head signed by a trusted key (a
 * remote's), and it must come first, so an untrusted bundle is refused
 * before anything else in it is read; every block is checked against its
 * CID and the size limit as it is read; all the head reaches must be in the
 * file; then it is accepted exactly as a fetched head is (accept.ts).
 */
export async function importBundle (repo: Repo, ctx: Ctx, file: string): Promise<FetchResult> {
  const st = fs.statSync(file, { throwIfNoEntry: false })
  if (st === undefined) fail('BAD_PATH', `no such bundle file: ${file}`)
  if (!st.isFile()) fail('BAD_PATH', `${file} is not a regular file`)
  const stage = staging(repo)
  try {
    let name: string
    let key: string
    let headBytes: Uint8Array
    try {
      const car = await readCar(fs.createReadStream(file))
      if (car.roots.length !== 1 || car.roots[0].code !== DAG_JSON) fail('BAD_INPUT', `${file} is not an acache bundle: it must have one head as its root`)
      const root = car.roots[0]
      const first = await car.blocks.next()
      if (first.done === true || !first.value.cid.equals(root)) fail('BAD_INPUT', `${file} is not an acache bundle: its first block must be its root head`)
      headBytes = first.value.bytes
      key = decodeHead(headBytes).key
      const known = remoteForKey(repo, key)
      if (known === undefined) {
        fail('UNTRUSTED_KEY', `the bundle is signed by ${key}, which is not the key of any remote`, { hint: 'add its owner first: `acache remote add NAME MESSAGE` (their `acache id export` line)' })
      }
      name = known
      checkHead(headBytes, key, name)
      for await (const { cid, bytes } of car.blocks) await stage.put(cid, bytes)
    } catch (err) {
      if (err instanceof AcacheError && err.code !== 'BUG') {
        if (err.code === 'CORRUPT_OBJECT') fail('BAD_INPUT', `${file} holds a block whose bytes do not match its CID`, { cause: err })
        throw err
      }
      return fail('BAD_INPUT', `${file} is not a valid bundle (CAR file): ${(err as Error).message}`)
    }
    return await acceptHead(repo, ctx, name, key, headBytes, async (cid) => {
      if (!(await stage.has(cid))) fail('MISSING_OBJECT', `the bundle is incomplete: it lacks block ${cid}`, { data: { cid: cid.toString() } })
      return await stage.get(cid)
    }, stage)
  } finally {
    removeStage(stage)
  }
}
