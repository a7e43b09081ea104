import fs from 'node:fs'
import path from 'node:path'
import type { Worker } from 'node:worker_threads'
import { startWorker } from '../util/worker.js'

/** present, mode, size, mtimeMs, ctimeMs, ino */
export const STAT_FIELDS = 6

/** present is 1 when lstat answered, 0 when nothing is there, -1 when lstat failed otherwise (asked again on the main thread, to throw). */
const FAILED = -1

/** Paths a thread takes at a time from the shared cursor. */
export const LSTAT_CHUNK = 512

export function lstatInto (root: string, paths: string[], from: number, to: number, out: Float64Array, outOffset = from): void {
  // Relative paths are cheaper for the kernel to resolve: use them when we can.
  const prefix = process.cwd() === root ? '' : root.endsWith(path.sep) ? root : root + path.sep
  for (let i = from; i < to; i++) {
    const b = (i - from + outOffset) * STAT_FIELDS
    let st: fs.Stats | undefined
    try {
      st = fs.lstatSync(prefix + paths[i], { throwIfNoEntry: false })
    } catch (err) {
      // a parent that is now a file: nothing is there
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') { out[b] = 0; continue }
      out[b] = FAILED
      continue
    }
    if (st === undefined) { out[b] = 0; continue }
    out[b] = 1
    out[b + 1] = st.mode
    out[b + 2] = st.size
    out[b + 3] = st.mtimeMs
    out[b + 4] = st.ctimeMs
    out[b + 5] = st.ino
  }
}

/**
 * Takes chunks of `paths` from a cursor shared with other threads until none
 * is left. ctl[0] is the cursor, ctl[1] the number of threads inside a chunk.
 */
export function lstatShared (root: string, paths: string[], out: Float64Array, ctl: Int32Array): void {
  const n = paths.length
  for (;;) {
    Atomics.add(ctl, 1, 1)
    let from = n
    try {
      from = Atomics.add(ctl, 0, LSTAT_CHUNK)
      if (from < n) lstatInto(root, paths, from, Math.min(n, from + LSTAT_CHUNK), out)
    } finally {
      Atomics.sub(ctl, 1, 1)
      Atomics.notify(ctl, 1)
    }
    if (from >= n) return
  }
}

/**
 * The lstat of many paths, shared with a helper thread as git's preloaded
 * index shares them: the helper starts at once and takes chunks from a
 * shared cursor while this thread does other work, then this thread joins in
 * (`finish`). Nothing waits for the helper to start: if it is slow, this
 * thread does it all.
 */
export class SharedLstat {
  readonly stats: Float64Array
  private readonly ctl: Int32Array
  private worker?: Worker

  /**
   * With `parallel`, starts a helper; with `helper`, joins one already at
   * work on the same paths (preload.ts).
   */
  constructor (private readonly root: string, private readonly paths: string[], parallel: boolean, pathBytes: () => Uint8Array, helper?: { worker: Worker, stats: Float64Array, ctl: Int32Array }) {
    if (helper !== undefined) {
      this.stats = helper.stats
      this.ctl = helper.ctl
      this.worker = helper.worker
      return
    }
    const bytes = paths.length * STAT_FIELDS * 8
    this.stats = new Float64Array(parallel ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
    this.ctl = new Int32Array(parallel ? new SharedArrayBuffer(8) : new ArrayBuffer(8))
    if (parallel) this.startHelper(pathBytes())
  }

  private startHelper (pathBytes: Uint8Array): void {
    try {
      // shared, so that handing them over copies nothing more
      const shared = new Uint8Array(new SharedArrayBuffer(pathBytes.byteLength))
      shared.set(pathBytes)
      this.worker = startWorker(new URL('./lstat-worker.js', import.meta.url), {
        root: this.root, paths: shared, count: this.paths.length, stats: this.stats, ctl: this.ctl
      })
      this.worker.on('error', () => {}) // a helper that fails leaves its work to this thread
    } catch {
      this.worker = undefined
    }
  }

  /** Does what is left on this thread, waits for the helper's last chunk, and checks failures. */
  finish (): Float64Array {
    const { ctl, stats, paths } = this
    lstatShared(this.root, paths, stats, ctl)
    for (let b = Atomics.load(ctl, 1); b !== 0; b = Atomics.load(ctl, 1)) Atomics.wait(ctl, 1, b, 50)
    void this.worker?.terminate()
    for (let i = 0; i < paths.length; i++) {
      // what the helper could not lstat, once more here: the error it gives is the one to report
      if (stats[i * STAT_FIELDS] === FAILED) fs.lstatSync(path.join(this.root, paths[i]))
    }
    return stats
  }
}
