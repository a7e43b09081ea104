import os from 'node:os'
import type { Worker } from 'node:worker_threads'
import { CID } from 'multiformats/cid'
import { FsBlockStore } from './fs-blockstore.js'
import { BlockStore, SHA2_256 } from './blockstore.js'
import { AcacheError, asAcacheError } from '../errors.js'
import { siblingUrl, startWorker } from '../util/worker.js'
import { tally } from '../util/trace.js'

interface Read { bytes?: Uint8Array, ok?: boolean, absent?: boolean }
interface Job { resolve: (r: Read) => void, reject: (e: Error) => void }

/**
 * Reads the large blocks of an embedded store (the leaves of big files,
 * one file each) on worker threads, each checked against its CID there:
 * a reader that serves many reads (a mount) keeps its own thread for
 * answering, and reading, hashing and answering happen on every core at
 * once. Blocks held in packs are read as the store reads them.
 */
export class BlockReadPool {
  private readonly workers: Worker[] = []
  private readonly jobs = new Map<number, Job>()
  private next = 0
  private turn = 0

  constructor (private readonly store: BlockStore, threads = Math.max(2, Math.min(4, os.availableParallelism()))) {
    if (!(store instanceof FsBlockStore)) return
    for (let i = 0; i < threads; i++) {
      const w = startWorker(siblingUrl('leaf-worker', import.meta.url), {})
      w.on('message', (m: { id: number, bytes?: Uint8Array, ok?: boolean, absent?: boolean, error?: { code?: string, message: string } }) => {
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
    const r = await new Promise<Read>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject })
      w.postMessage({ id, read: fs.pathOf(cid), expect: cid.multihash.digest.slice() }) // a copy: a view is cloned with all of its buffer
    })
    // not a file of its own (packed, or not here): as the store reads it
    if (r.absent === true || r.bytes === undefined) return await this.store.get(cid)
    if (r.ok !== true) {
      throw new AcacheError('CORRUPT_OBJECT', `block ${cid} is corrupt: its bytes do not match its CID`, {
        data: { cid: cid.toString() },
        hint: 'run `acache verify` to see what is damaged; `acache verify --repair` fetches it again from your remotes'
      })
    }
    return r.bytes
  }

  async close (): Promise<void> {
    await Promise.all(this.workers.map(async w => await w.terminate()))
  }
}
