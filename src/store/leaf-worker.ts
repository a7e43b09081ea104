import { parentPort, workerData } from 'node:worker_threads'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { FsBlockStore } from './fs-blockstore.js'
import { AcacheError } from '../errors.js'

// One of the leaf pool's threads: hash a slot of the shared buffer and,
// with a store directory, write it as a raw block (see leaf-pool.ts).
const { sab, capacity, dir } = workerData as { sab: SharedArrayBuffer, capacity: number, dir?: string }
const store = dir === undefined ? undefined : new FsBlockStore(dir)

parentPort!.on('message', ({ id, slot, len, expect }: { id: number, slot: number, len: number, expect?: Uint8Array }) => {
  try {
    const bytes = new Uint8Array(sab, slot * capacity, len)
    const digest = createHash('sha256').update(bytes).digest()
    // a fetched block that does not match its CID is never stored (the main thread reports it)
    const ok = expect === undefined || Buffer.from(expect).equals(digest)
    // flatfs names a block by its multihash alone, so the raw CID gives the same file as any codec's
    const written = ok ? store?.putSync(CID.createV1(0x55, Digest.create(0x12, digest)), bytes) ?? false : false
    parentPort!.postMessage({ id, digest: new Uint8Array(digest), written })
  } catch (err) {
    const e = err as AcacheError & { code?: string }
    parentPort!.postMessage({
      id,
      error: err instanceof AcacheError
        ? { acache: e.code, message: e.message, hint: e.hint }
        : { code: e.code, message: e.message }
    })
  }
})
