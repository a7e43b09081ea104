import fs from 'node:fs'
import { once } from 'node:events'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from './context.js'
import { AcacheError, fail } from '../errors.js'
import { requireIdentity } from '../identity/identity.js'
import { signHead } from '../model/head.js'
import { DAG_JSON } from '../model/commit.js'
import { checkBlock } from '../store/blockstore.js'
import { pushObjects } from '../remote/sync.js'
import { resolveRev } from '../repo/revs.js'
import { localBranches, nextSeq } from './push.js'
import { acceptHead, FetchResult, staging } from './fetch.js'
import { remoteForKey } from './remotes.js'

export interface BundleCreated { file: string, head: string, seq: number, branches: Record<string, string>, blocks: number, bytes: number }

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
    for (const b of branches) heads[b] = await resolveRev(repo, b)
  }
  const { seq, save } = nextSeq(ctx, id)
  const signed = signHead({ type: 'acache/head', version: 1, key: id.key, seq, time: ctx.now().toISOString(), heads }, id.secretKey)
  const tmp = `${file}.tmp-${process.pid}`
  const { writer, out } = CarWriter.create([signed.cid])
  const sink = fs.createWriteStream(tmp)
  const piping = (async () => { for await (const chunk of out) { if (!sink.write(chunk)) await once(sink, 'drain') } sink.end(); await once(sink, 'finish') })()
  let moved
  try {
    await writer.put({ cid: signed.cid, bytes: signed.bytes })
    ctx.progress.start('bundling', undefined, 'bytes')
    moved = await pushObjects(repo.store, async () => false, async (cid, bytes) => { await writer.put({ cid, bytes }) }, Object.values(heads), (n) => ctx.progress.tick(n))
    ctx.progress.done()
    await writer.close()
    await piping
    fs.renameSync(tmp, file)
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw err
  }
  save()
  return { file, head: signed.cid.toString(), seq, branches: Object.fromEntries(Object.entries(heads).map(([k, v]) => [k, v.toString()])), blocks: moved.blocks + 1, bytes: moved.bytes + signed.bytes.byteLength }
}

/**
 * `bundle import FILE`: every block is checked against its CID as it is
 * read; the root must be a head signed by a trusted key (a remote's); all
 * it reaches must be in the file; only then do refs/remotes/NAME/* move.
 */
export async function importBundle (repo: Repo, ctx: Ctx, file: string): Promise<FetchResult> {
  const { CarBlockIterator } = await import('@ipld/car')
  if (!fs.existsSync(file)) fail('BAD_PATH', `no such bundle file: ${file}`)
  const release = repo.lock()
  const stage = staging(repo)
  try {
    let root: CID
    try {
      const it = await CarBlockIterator.fromIterable(fs.createReadStream(file))
      const roots = await it.getRoots()
      if (roots.length !== 1 || roots[0].code !== DAG_JSON) fail('BAD_INPUT', `${file} is not an acache bundle: it must have one head as its root`)
      root = roots[0]
      for await (const { cid, bytes } of it) {
        checkBlock(cid, bytes)
        await stage.put(cid, bytes)
      }
    } catch (err) {
      if (err instanceof AcacheError && err.code !== 'BUG') {
        if (err.code === 'CORRUPT_OBJECT') fail('BAD_INPUT', `${file} holds a block whose bytes do not match its CID`, { cause: err })
        throw err
      }
      return fail('BAD_INPUT', `${file} is not a valid bundle (CAR file): ${(err as Error).message}`)
    }
    if (!(await stage.has(root))) fail('BAD_INPUT', `${file} does not contain its own root head`)
    const headBytes = await stage.get(root)
    const { decodeHead } = await import('../model/head.js')
    const key = decodeHead(headBytes).key
    const name = remoteForKey(repo, key)
    if (name === undefined) {
      fail('UNTRUSTED_KEY', `the bundle is signed by ${key}, which is not the key of any remote`, { hint: 'add its owner first: `acache remote add NAME MESSAGE` (their `acache id export` line)' })
    }
    return await acceptHead(repo, ctx, name, key, headBytes, async (cid) => {
      if (!(await stage.has(cid))) fail('MISSING_OBJECT', `the bundle is incomplete: it lacks block ${cid}`, { data: { cid: cid.toString() } })
      return await stage.get(cid)
    }, stage)
  } finally {
    fs.rmSync(stage.dir, { recursive: true, force: true })
    release()
  }
}
