import fs from 'node:fs'
import path from 'node:path'
import type { Worker } from 'node:worker_threads'
import { siblingUrl, startWorker } from '../../util/worker.js'
import { rowMatches } from './index-file.js'
import { nativeLstat, pathStarts } from './native.js'

/** present, mode, size, mtimeMs, ctimeMs, ino */
export const STAT_FIELDS = 6

/** present is 1 when lstat answered, 0 when nothing is there, FAILED when lstat failed otherwise (the caller asks again, to throw its error). */
export const FAILED = -1

/** Paths a thread takes at a time from the shared cursor. */
export const LSTAT_CHUNK = 512

/** One options object for every call (not one made a file). */
const NO_THROW = { throwIfNoEntry: false } as const

/** The lstat numbers (STAT_FIELDS a path) of paths[from..to) under `root`, into `out` from row `outOffset`. */
export function lstatInto (root: string, paths: string[], from: number, to: number, out: Float64Array, outOffset = from): void {
  // Relative paths are cheaper for the kernel to resolve: use them when we can.
  const prefix = process.cwd() === root ? '' : root.endsWith(path.sep) ? root : root + path.sep
  for (let i = from; i < to; i++) {
    const b = (i - from + outOffset) * STAT_FIELDS
    try {
      const st = fs.lstatSync(prefix + paths[i], NO_THROW)
      if (st === undefined) { out[b] = 0; continue }
      out[b] = 1
      out[b + 1] = st.mode
      out[b + 2] = st.size
      out[b + 3] = st.mtimeMs
      out[b + 4] = st.ctimeMs
      out[b + 5] = st.ino
    } catch (err) {
      // a parent that is now a file: nothing is there
      out[b] = (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 0 : FAILED
    }
  }
}

/** What each tracked path is expected to be (the index's columns, index-file.ts), and where to mark those that are. */
export interface Expect { numbers: Float64Array, kinds: Uint8Array, same: Uint8Array }

/**
 * The tracked paths, as the threads that lstat them take them: as UTF-8
 * bytes (NUL-separated, the index's path column) with where each starts,
 * for the native helper (native.ts), or as strings for fs.lstatSync.
 */
export interface PathList {
  count: number
  bytes?: Uint8Array
  starts?: Uint32Array
  strings?: () => string[]
}

/** Fills rows [from, to) of `out` with the lstat of those paths. */
export type LstatChunk = (from: number, to: number, out: Float64Array) => void

/** How this thread lstats `list`'s paths under `root`: natively when it can, else with fs.lstatSync. */
export function chunkLstat (root: string, list: PathList): LstatChunk {
  const native = nativeLstat()
  if (native !== undefined && list.bytes !== undefined) {
    const { bytes } = list
    const starts = list.starts ?? pathStarts(bytes, list.count)
    if (starts !== undefined) {
      let strings: string[] | undefined
      return (from, to, out) => {
        try {
          native.lstatRange(root, bytes, starts, from, to, out)
        } catch {
          // never a chunk left undone (it would read as files not there)
          lstatInto(root, (strings ??= list.strings?.() ?? decodePaths(list)), from, to, out)
        }
      }
    }
  }
  // decoded before any chunk is taken: paths that do not decode leave the work to another thread
  const strings = list.strings?.() ?? decodePaths(list)
  return (from, to, out) => lstatInto(root, strings, from, to, out)
}

function decodePaths (list: PathList): string[] {
  const all = list.count === 0 || list.bytes === undefined ? [] : Buffer.from(list.bytes.buffer, list.bytes.byteOffset, list.bytes.byteLength).toString('utf8').split('\0')
  if (all.length !== list.count) throw new Error('damaged path list')
  return all
}

/**
 * Takes chunks of the `n` paths from a cursor shared with other threads
 * until none is left, lstat-ing each with `chunk`. ctl[0] is the cursor,
 * ctl[1] the number of threads inside a chunk. With `expect`, marks in
 * `expect.same` each path found as the index has it, so that the command
 * looks only at the others.
 */
export function lstatShared (n: number, chunk: LstatChunk, out: Float64Array, ctl: Int32Array, expect?: Expect): void {
  for (;;) {
    Atomics.add(ctl, 1, 1)
    let from = n
    try {
      from = Atomics.add(ctl, 0, LSTAT_CHUNK)
      if (from < n) {
        const to = Math.min(n, from + LSTAT_CHUNK)
        chunk(from, to, out)
        if (expect !== undefined) {
          const { numbers, kinds, same } = expect
          for (let i = from; i < to; i++) same[i] = rowMatches(numbers, kinds, i, out, i * STAT_FIELDS) ? 1 : 0
        }
      }
    } finally {
      Atomics.sub(ctl, 1, 1)
      Atomics.notify(ctl, 1)
    }
    if (from >= n) return
  }
}

/** A helper already at work on the same paths (preload.ts); `starts`, when it made them for the native helper. */
export interface Helper { worker: Worker, stats: Float64Array, ctl: Int32Array, same?: Uint8Array, starts?: Uint32Array }

/** A copy in shared memory, so that handing it to a thread copies nothing more. */
function shared<T extends Float64Array | Uint8Array | Uint32Array> (a: T): T {
  const sab = new SharedArrayBuffer(a.byteLength)
  // a Buffer's constructor is Buffer(), deprecated (DEP0005): a Buffer over shared memory is Buffer.from
  const c = (Buffer.isBuffer(a) ? Buffer.from(sab) : new (a.constructor as any)(sab)) as T
  c.set(a as any)
  return c
}

/**
 * The lstat of many paths, shared with a helper thread as git's preloaded
 * index shares them: the helper starts at once and takes chunks from a
 * shared cursor while this thread does other work, then this thread joins in
 * (`finish`). Nothing waits for the helper to start: if it is slow, this
 * thread does it all. With the index's columns (`expect`), both threads mark
 * the paths found as recorded (`same`).
 */
export class SharedLstat {
  readonly stats: Float64Array
  readonly same?: Uint8Array
  private readonly ctl: Int32Array
  private readonly expect?: Expect
  private readonly list: PathList
  private worker?: Worker

  /** With `parallel`, starts a helper; with `helper`, joins one already at work on the same paths. */
  constructor (private readonly root: string, n: number, paths: () => string[], parallel: boolean, pathBytes: () => Uint8Array, columns?: { numbers: Float64Array, kinds: Uint8Array }, helper?: Helper) {
    // the native helper reads the paths as bytes (the index's, as read): no string is made
    const bytes = nativeLstat() === undefined ? undefined : pathBytes()
    this.list = { count: n, strings: paths, bytes, starts: helper?.starts }
    if (helper !== undefined) {
      this.stats = helper.stats
      this.ctl = helper.ctl
      this.worker = helper.worker
      // the helper compares with its own copy of the same index file
      if (columns !== undefined && helper.same !== undefined) this.expect = { ...columns, same: helper.same }
    } else {
      const buffer = (bytes: number): ArrayBufferLike => parallel ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)
      this.stats = new Float64Array(buffer(n * STAT_FIELDS * 8))
      this.ctl = new Int32Array(buffer(8))
      if (columns !== undefined) this.expect = { ...columns, same: new Uint8Array(buffer(n)) }
      if (bytes !== undefined) this.list.starts = pathStarts(bytes, n, parallel)
      if (parallel) this.startHelper(bytes ?? pathBytes())
    }
    this.same = this.expect?.same
  }

  private startHelper (pathBytes: Uint8Array): void {
    try {
      const e = this.expect
      this.worker = startWorker(siblingUrl('lstat-worker', import.meta.url), {
        root: this.root,
        list: { count: this.list.count, bytes: shared(pathBytes), starts: this.list.starts },
        stats: this.stats,
        ctl: this.ctl,
        expect: e === undefined ? undefined : { numbers: shared(e.numbers), kinds: shared(e.kinds), same: e.same }
      })
      this.worker.on('error', () => {}) // a helper that fails leaves its work to this thread
    } catch {
      this.worker = undefined
    }
  }

  /** Does what is left on this thread and waits for the helper's last chunk. Failed calls are marked FAILED, for the caller to report. */
  finish (): Float64Array {
    const { ctl, stats } = this
    lstatShared(this.list.count, chunkLstat(this.root, this.list), stats, ctl, this.expect)
    for (let b = Atomics.load(ctl, 1); b !== 0; b = Atomics.load(ctl, 1)) Atomics.wait(ctl, 1, b, 50)
    void this.worker?.terminate()
    return stats
  }
}
