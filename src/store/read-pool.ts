import os from 'node:os'
import type { Worker } from 'node:worker_threads'
import { CID } from 'multiformats/cid'
import { FsBlockStore } from './fs-blockstore.js'
import { BlockStore, SHA2_256 } from './blockstore.js'
import { code as RAW } from 'multiformats/codecs/raw'
import { AcacheError, asAcacheError } from '../errors.js'
import { siblingUrl, startWorker } from '../util/worker.js'
import { tally } from '../util/trace.js'

interface Read { bytes?: Uint8Array, len?: number, ok?: boolean, absent?: boolean }

/** A slot of the pool's shared buffer: one leaf (a file's 1 MiB parts; a larger block is read as before). */
const SLOT_BYTES = 1024 * 1024
interface Job { resolve: (r: Read) => void, reject: (e: Error) => void }

/**
 * Reads the large blocks of an embedded store (the leaves of big files,
 * one file each) on worker threads, each checked against its CID there:
 * a reader that serves many reads (a mount) keeps its own thread for
 * answering, and reading, hashing and answering happen on every core at
 * once. Blocks held in packs are read as the store reads them.
 *
 * With `slots`, raw leaves are read into the slots of one buffer shared
 * with the threads, and given back (release) when the reader is done with
 * them: a mount reading a 1 GiB file then makes no new buffer for each
 * leaf, which cost the answering thread a full garbage collection every
 * 50-odd MiB (a third of its time).
 */
export class BlockReadPool {
  private readonly workers: Worker[] = []
  private readonly jobs = new Map<number, Job>()
  private next = 0
  private turn = 0
  private readonly slab?: SharedArrayBuffer
  private readonly free: number[] = []
  /** slots given back in this turn of the event loop: free from the next (see release) */
  private retired: number[] = []

  constructor (private readonly store: BlockStore, threads = Math.max(2, Math.min(4, os.availableParallelism())), slots = 0) {
    if (!(store instanceof FsBlockStore)) return
    if (slots > 0) {
      this.slab = new SharedArrayBuffer(slots * SLOT_BYTES)
      for (let i = slots - 1; i >= 0; i--) this.free.push(i)
    }
    for (let i = 0; i < threads; i++) {
      const w = startWorker(siblingUrl('leaf-worker', import.meta.url), this.slab === undefined ? {} : { sab: this.slab, capacity: SLOT_BYTES })
      w.on('message', (m: { id: number, bytes?: Uint8Array, len?: number, ok?: boolean, absent?: boolean, error?: { code?: string, message: string } }) => {
        const job = this.jobs.get(m.id)
        if (job === undefined) return
        this.jobs.delete(m.id)
        if (m.error !== undefined) job.reject(asAcacheError(Object.assign(new Error(m.error.message), { code: m.error.code })))
        else job.resolve(m)
      })
      w.on('error', (err) => { for (const j of this.jobs.values()) j.reject(asAcacheError(err)); this.jobs.clear() })
      this.workers.push(w)
    }
  }

  /** The block's bytes, checked against its CID. */
  async get (cid: CID): Promise<Uint8Array> {
    const fs = this.store instanceof FsBlockStore ? this.store : undefined
    if (fs === undefined || this.workers.length === 0 || cid.multihash.code !== SHA2_256) return await this.store.get(cid)
    tally('read')
    const id = this.next++
    const w = this.workers[this.turn++ % this.workers.length]
    const slot = cid.code === RAW ? this.free.pop() : undefined
    let r: Read
    try {
      r = await new Promise<Read>((resolve, reject) => {
        this.jobs.set(id, { resolve, reject })
        w.postMessage({ id, read: fs.pathOf(cid), expect: cid.multihash.digest.slice(), slot }) // a copy: a view is cloned with all of its buffer
      })
    } catch (err) {
      if (slot !== undefined) this.free.push(slot)
      throw err
    }
    // read into the slot, or (larger than one, or not a file of its own) not: the slot is free again
    const inSlot = slot !== undefined && r.len !== undefined
    if (slot !== undefined && !(inSlot && r.ok === true)) this.free.push(slot)
    const bytes = inSlot ? new Uint8Array(this.slab!, slot! * SLOT_BYTES, r.len) : r.bytes
    // not a file of its own (packed, or not here): as the store reads it
    if (r.absent === true || bytes === undefined) return await this.store.get(cid)
    if (r.ok !== true) {
      throw new AcacheError('CORRUPT_OBJECT', `block ${cid} is corrupt: its bytes do not match its CID`, {
        data: { cid: cid.toString() },
        hint: 'run `acache verify` to see what is damaged; `acache verify --repair` fetches it again from your remotes'
      })
    }
    return bytes
  }

  /**
   * Gives back a block get returned, once its reader no longer needs it: a
   * slot is reused from the next turn of the event loop on, so that a read
   * that was handed the same bytes in this turn (it copies them in the
   * microtask that follows) still finds them there. Anything else is left
   * to the garbage collector.
   */
  release (bytes: Uint8Array): void {
    if (this.slab === undefined || bytes.buffer !== this.slab) return
    if (this.retired.length === 0) setImmediate(() => { this.free.push(...this.retired); this.retired = [] })
    this.retired.push(bytes.byteOffset / SLOT_BYTES)
  }

  async close (): Promise<void> {
    await Promise.all(this.workers.map(async w => await w.terminate()))
  }
}
