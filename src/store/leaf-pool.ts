import os from 'node:os'
import type { Worker } from 'node:worker_threads'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { BlockStore, SHA2_256, checkBlock, equalBytes, nullStore, sha256 } from './blockstore.js'
import { FsBlockStore } from './fs-blockstore.js'
import { AcacheError, ErrorCode, asAcacheError } from '../errors.js'
import { siblingUrl, startWorker } from '../util/worker.js'
import { knob } from '../util/knobs.js'
import { isOwned, recycle } from '../util/owned.js'

const RAW = 0x55

/**
 * Where the leaves of a large file go: fill a buffer from `acquire()`, hand
 * it to `submit()`, get the raw block's CID back. Submitting does not wait
 * for the hash: the next buffer can be read meanwhile.
 */
export interface LeafSink {
  readonly capacity: number
  acquire (): Promise<Uint8Array>
  /** `expect`: the block must hash to this CID's digest (a fetched block), else CORRUPT_OBJECT; it is stored under it */
  submit (buf: Uint8Array, len: number, expect?: CID): Promise<CID>
  /**
   * A block in a buffer of its own (util/owned.ts): checked and stored as
   * submit does, the buffer moved to the thread that does it rather than
   * copied into a slot (it is empty here afterwards). Resolves once there is
   * room, with the promise of the block's CID.
   */
  hand (bytes: Uint8Array, expect: CID): Promise<{ cid: Promise<CID> }>
  /** gives back a buffer from acquire() that is not submitted */
  release (buf: Uint8Array): void
  close (): Promise<void>
}

/** Hashes and stores on this thread: for stores other threads cannot write into. */
class InlineSink implements LeafSink {
  constructor (private readonly store: BlockStore, readonly capacity: number) {}
  async acquire (): Promise<Uint8Array> { return Buffer.allocUnsafe(this.capacity) } // the store may keep it
  async submit (buf: Uint8Array, len: number, expect?: CID): Promise<CID> {
    const bytes = buf.subarray(0, len)
    if (expect !== undefined) {
      checkBlock(expect, bytes)
      await this.store.put(expect, bytes)
      return expect
    }
    const cid = CID.createV1(RAW, Digest.create(SHA2_256, sha256(bytes)))
    await this.store.put(cid, bytes)
    return cid
  }

  async hand (bytes: Uint8Array, expect: CID): Promise<{ cid: Promise<CID> }> {
    return { cid: this.submit(bytes, bytes.byteLength, expect) }
  }

  release (): void {}
  async close (): Promise<void> {}
}

/** What a leaf thread answers for one job. */
interface Reply { id: number, digest?: Uint8Array, written?: boolean, given?: ArrayBuffer, error?: { code?: string, message: string, acache?: ErrorCode, hint?: string } }

interface Job { resolve: (cid: CID) => void, reject: (err: Error) => void, slot?: number, worker: number, len: number, expect?: CID }

/**
 * Hashes (and, for the embedded store, writes) leaves on worker threads, so
 * reading the file, hashing it and writing its blocks happen at once on
 * every core. Buffers are slots of one SharedArrayBuffer: nothing is copied
 * between threads but the 32-byte digests.
 */
class PoolSink implements LeafSink {
  private readonly sab: SharedArrayBuffer
  private readonly free: number[] = []
  private readonly waiting: Array<() => void> = []
  private readonly workers: Worker[] = []
  private readonly load: number[] = []
  private readonly jobs = new Map<number, Job>()
  private nextId = 0
  private broken?: Error

  private readonly slots: number

  constructor (private readonly store: FsBlockStore | undefined, readonly capacity: number, threads: number, slotsPerThread = 4) {
    const slots = threads * slotsPerThread
    this.slots = slots
    this.sab = new SharedArrayBuffer(slots * capacity)
    for (let i = 0; i < slots; i++) this.free.push(i)
    for (let w = 0; w < threads; w++) {
      const worker = startWorker(siblingUrl('leaf-worker', import.meta.url), { sab: this.sab, capacity, dir: store?.dir, flat: store?.flat })
      worker.on('message', (m: Reply) => this.done(m))
      worker.on('error', (err) => this.fail(err))
      this.workers.push(worker)
      this.load.push(0)
    }
  }

  private done (m: Reply): void {
    const job = this.jobs.get(m.id)
    if (job === undefined) return
    this.jobs.delete(m.id)
    this.load[job.worker]--
    if (job.slot !== undefined) this.freeSlot(job.slot)
    else { this.handed--; this.handWaiting.shift()?.() }
    if (m.given !== undefined) recycle(m.given)
    if (m.error !== undefined) {
      const e = m.error
      job.reject(e.acache !== undefined
        ? new AcacheError(e.acache, e.message, { hint: e.hint })
        : asAcacheError(Object.assign(new Error(e.message), { code: e.code })))
      return
    }
    if (m.written === true) this.store?.noteWritten(job.len)
    if (job.expect !== undefined && !equalBytes(m.digest!, job.expect.multihash.digest)) {
      job.reject(new AcacheError('CORRUPT_OBJECT', `block ${job.expect} is corrupt: its bytes do not match its CID`, { data: { cid: job.expect.toString() } }))
      return
    }
    job.resolve(job.expect ?? CID.createV1(RAW, Digest.create(SHA2_256, m.digest!)))
  }

  private fail (err: Error): void {
    this.broken = asAcacheError(err)
    for (const job of this.jobs.values()) job.reject(this.broken)
    this.jobs.clear()
    for (const w of [...this.waiting.splice(0), ...this.handWaiting.splice(0)]) w()
  }

  release (buf: Uint8Array): void { this.freeSlot(buf.byteOffset / this.capacity) }

  private freeSlot (slot: number): void {
    this.free.push(slot)
    this.waiting.shift()?.()
  }

  async acquire (): Promise<Uint8Array> {
    while (this.free.length === 0) {
      if (this.broken !== undefined) throw this.broken
      await new Promise<void>(resolve => this.waiting.push(resolve))
    }
    if (this.broken !== undefined) throw this.broken
    const slot = this.free.pop()!
    return new Uint8Array(this.sab, slot * this.capacity, this.capacity)
  }

  async submit (buf: Uint8Array, len: number, expect?: CID): Promise<CID> {
    if (this.broken !== undefined) throw this.broken
    return await this.post(buf.byteOffset / this.capacity, undefined, len, expect)
  }

  /** blocks handed over whole and not answered yet (at most as many as there are slots), and who waits for room */
  private handed = 0
  private readonly handWaiting: Array<() => void> = []

  async hand (bytes: Uint8Array, expect: CID): Promise<{ cid: Promise<CID> }> {
    if (!isOwned(bytes) || bytes.byteLength > this.capacity || bytes.buffer instanceof SharedArrayBuffer) {
      const buf = await this.acquire()
      buf.set(bytes)
      return { cid: this.submit(buf, bytes.byteLength, expect) }
    }
    while (this.handed >= this.slots && this.broken === undefined) await new Promise<void>(resolve => this.handWaiting.push(resolve))
    if (this.broken !== undefined) throw this.broken
    this.handed++
    return { cid: this.post(undefined, bytes, bytes.byteLength, expect) }
  }

  private async post (slot: number | undefined, bytes: Uint8Array | undefined, len: number, expect?: CID): Promise<CID> {
    let worker = 0
    for (let w = 1; w < this.workers.length; w++) if (this.load[w] < this.load[worker]) worker = w
    const id = this.nextId++
    this.load[worker]++
    const p = new Promise<CID>((resolve, reject) => this.jobs.set(id, { resolve, reject, slot, worker, len, expect }))
    // the digest copied out: a view is cloned with all of the buffer under it (the whole directory node a CID was read from)
    const digest = expect === undefined ? undefined : expect.multihash.digest.slice()
    if (bytes !== undefined) this.workers[worker].postMessage({ id, given: bytes.buffer, len, expect: digest }, [bytes.buffer as ArrayBuffer])
    else this.workers[worker].postMessage({ id, slot, len, expect: digest })
    return await p
  }

  async close (): Promise<void> {
    await Promise.all(this.workers.map(async w => await w.terminate()))
  }
}

/** Files at least this large are worth starting threads for. */
export const POOL_MIN_BYTES = 16 * 1024 * 1024

/**
 * A sink for `bytes` bytes of leaves of at most `capacity` bytes each: worker
 * threads for the embedded store (or for hashing only), this thread otherwise.
 */
export function openLeafSink (store: BlockStore, capacity: number, bytes: number): LeafSink {
  const threads = Math.min(4, Math.max(1, os.availableParallelism()))
  if (bytes >= POOL_MIN_BYTES && knob('ACACHE_THREADS') !== '0') {
    if (store instanceof FsBlockStore) return new PoolSink(store, capacity, threads)
    if (store === nullStore) return new PoolSink(undefined, capacity, threads)
  }
  return new InlineSink(store, capacity)
}
