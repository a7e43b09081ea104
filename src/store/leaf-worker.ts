import fs from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { FsBlockStore } from './fs-blockstore.js'
import { AcacheError } from '../errors.js'

// One of the leaf pool's threads: hash a slot of the shared buffer and,
// with a store directory, write it as a raw block (see leaf-pool.ts). Or,
// for the read pool (read-pool.ts), read a block's file and check it.
const { sab, capacity, dir, flat } = workerData as { sab: SharedArrayBuffer, capacity: number, dir?: string, flat?: boolean }
const store = dir === undefined ? undefined : new FsBlockStore(dir, flat)

/**
 * A block's file read whole and hashed; its bytes go back to the main
 * thread moved, not copied. With a slot of the shared buffer (read pool),
 * a file that fits is read into it, and only its length goes back.
 */
function readBlock (id: number, file: string, expect: Uint8Array, slot?: number): void {
  let bytes: Buffer
  try {
    if (slot !== undefined) {
      const len = readInto(file, new Uint8Array(sab, slot * capacity, capacity))
      if (len !== undefined) {
        const ok = Buffer.from(expect).equals(createHash('sha256').update(new Uint8Array(sab, slot * capacity, len)).digest())
        parentPort!.postMessage({ id, len, ok })
        return
      }
    }
    bytes = fs.readFileSync(file)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    parentPort!.postMessage(e.code === 'ENOENT' ? { id, absent: true } : { id, error: { code: e.code, message: e.message } })
    return
  }
  const ok = Buffer.from(expect).equals(createHash('sha256').update(bytes).digest())
  const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength ? bytes : Buffer.from(bytes)
  parentPort!.postMessage({ id, bytes: own, ok }, [own.buffer as ArrayBuffer])
}

/** A file read into `into` when it fits (its length), undefined when it is larger. */
function readInto (file: string, into: Uint8Array): number | undefined {
  const fd = fs.openSync(file, 'r')
  try {
    let len = 0
    for (;;) {
      if (len === into.byteLength) return fs.readSync(fd, Buffer.alloc(1), 0, 1, len) === 0 ? len : undefined
      const n = fs.readSync(fd, into, len, into.byteLength - len, len)
      if (n === 0) return len
      len += n
    }
  } finally { fs.closeSync(fd) }
}

parentPort!.on('message', ({ id, slot, len, expect, read, given }: { id: number, slot: number, len: number, expect?: Uint8Array, read?: string, given?: ArrayBuffer }) => {
  if (read !== undefined) { readBlock(id, read, expect!, slot); return }
  try {
    // a slot of the shared buffer, or a block handed over whole (moved here)
    const bytes = given !== undefined ? new Uint8Array(given, 0, len) : new Uint8Array(sab, slot * capacity, len)
    const digest = createHash('sha256').update(bytes).digest()
    // a fetched block that does not match its CID is never stored (the main thread reports it)
    const ok = expect === undefined || Buffer.from(expect).equals(digest)
    // flatfs names a block by its multihash alone, so the raw CID gives the same file as any codec's
    const written = ok ? store?.putSync(CID.createV1(0x55, Digest.create(0x12, digest)), bytes) ?? false : false
    // a buffer handed over goes back, for the next block to be read into
    if (given !== undefined) parentPort!.postMessage({ id, digest: new Uint8Array(digest), written, given }, [given])
    else parentPort!.postMessage({ id, digest: new Uint8Array(digest), written })
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
