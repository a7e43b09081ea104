import fs from 'node:fs'
import path from 'node:path'
import type { Worker } from 'node:worker_threads'
import { siblingUrl, startWorker } from '../util/worker.js'
import { rowMatches } from './index-layout.js'

/** present, mode, size, mtimeMs, ctimeMs, ino */
export const STAT_FIELDS = 6

/** present is 1 when lstat answered, 0 when nothing is there, FAILED when lstat failed otherwise (the caller asks again, to throw its error). */
export const FAILED = -1

/** Paths a thread takes at a time from the shared cursor. */
export const LSTAT_CHUNK = 512

/**
 * Node's own lstat, below fs.lstatSync: it fills one shared array of numbers
 * (mode at 1, inode 7, size 8, mtime 12-13, ctime 14-15, as seconds and
 * nanoseconds) and returns it, or undefined when nothing is there, instead
 * of making a Stats object and four Dates for each call. That is ~30% of a
 * call's time, and most of the garbage of a status on a large tree. It is
 * an internal interface (the one fs.lstatSync calls), so it is used only on
 * the Node versions it was checked on, when fs.lstatSync's source calls it
 * as we do, and only after one call on a real path and one on a missing
 * path have answered exactly as fs.lstatSync does; anything else (and any
 * deprecation or permission flag) keeps to fs.lstatSync.
 */
type RawLstat = (p: string) => Float64Array | undefined
let raw: RawLstat | null | undefined

function rawLstat (probe: string): RawLstat | null {
  if (raw !== undefined) return raw
  raw = null
  const major = Number(process.versions.node.split('.')[0])
  // process.binding warns under --pending-deprecation: never make a command print that
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`
  if (major < 20 || major > 24 || /deprecation|permission/.test(flags) || process.env.NODE_PENDING_DEPRECATION === '1') return raw
  // the same calling convention as fs.lstatSync's own call (an older one crashes on a missing path)
  if (!/binding\.lstat\([\s\S]*?,\s*undefined,\s*options\.throwIfNoEntry,?\s*\)/.test(fs.lstatSync.toString())) return raw
  try {
    const binding = (process as unknown as { binding: (name: string) => any }).binding('fs')
    const fn: RawLstat = (p) => binding.lstat(p, false, undefined, false)
    const st = fs.lstatSync(probe)
    const v = fn(probe)
    if (v instanceof Float64Array && v[1] === st.mode && v[7] === st.ino && v[8] === st.size &&
      v[12] * 1e3 + v[13] / 1e6 === st.mtimeMs && v[14] * 1e3 + v[15] / 1e6 === st.ctimeMs &&
      fn(path.join(probe, `.acache-no-such-file-${process.pid}`)) === undefined) raw = fn
  } catch { /* not this Node: fs.lstatSync it is */ }
  return raw
}

/** Which lstat this thread uses for paths under `root`: Node's internal one (checked as above) or fs.lstatSync. */
export function lstatMethod (root: string): 'node-internal' | 'fs.lstatSync' {
  return rawLstat(root) === null ? 'fs.lstatSync' : 'node-internal'
}

export function lstatInto (root: string, paths: string[], from: number, to: number, out: Float64Array, outOffset = from): void {
  // Relative paths are cheaper for the kernel to resolve: use them when we can.
  const prefix = process.cwd() === root ? '' : root.endsWith(path.sep) ? root : root + path.sep
  const fast = rawLstat(root)
  for (let i = from; i < to; i++) {
    const b = (i - from + outOffset) * STAT_FIELDS
    try {
      if (fast !== null) {
        const v = fast(prefix + paths[i])
        if (v === undefined) { out[b] = 0; continue }
        out[b] = 1
        out[b + 1] = v[1]
        out[b + 2] = v[8]
        out[b + 3] = v[12] * 1e3 + v[13] / 1e6
        out[b + 4] = v[14] * 1e3 + v[15] / 1e6
        out[b + 5] = v[7]
        continue
      }
      const st = fs.lstatSync(prefix + paths[i], { throwIfNoEntry: false })
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

/** What each tracked path is expected to be (the index's columns, index-layout.ts), and where to mark those that are. */
export interface Expect { numbers: Float64Array, kinds: Uint8Array, same: Uint8Array }

/**
 * Takes chunks of `paths` from a cursor shared with other threads until none
 * is left. ctl[0] is the cursor, ctl[1] the number of threads inside a chunk.
 * With `expect`, marks in `expect.same` each path found as the index has it,
 * so that the command looks only at the others.
 */
export function lstatShared (root: string, paths: string[], out: Float64Array, ctl: Int32Array, expect?: Expect): void {
  const n = paths.length
  for (;;) {
    Atomics.add(ctl, 1, 1)
    let from = n
    try {
      from = Atomics.add(ctl, 0, LSTAT_CHUNK)
      if (from < n) {
        const to = Math.min(n, from + LSTAT_CHUNK)
        lstatInto(root, paths, from, to, out)
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

/** A helper already at work on the same paths (preload.ts). */
export interface Helper { worker: Worker, stats: Float64Array, ctl: Int32Array, same?: Uint8Array }

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
  private worker?: Worker

  /** With `parallel`, starts a helper; with `helper`, joins one already at work on the same paths. */
  constructor (private readonly root: string, private readonly paths: string[], parallel: boolean, pathBytes: () => Uint8Array, columns?: { numbers: Float64Array, kinds: Uint8Array }, helper?: Helper) {
    if (helper !== undefined) {
      this.stats = helper.stats
      this.ctl = helper.ctl
      this.worker = helper.worker
      // the helper compares with its own copy of the same index file
      if (columns !== undefined && helper.same !== undefined) this.expect = { ...columns, same: helper.same }
    } else {
      const n = paths.length
      const buffer = (bytes: number): ArrayBufferLike => parallel ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)
      this.stats = new Float64Array(buffer(n * STAT_FIELDS * 8))
      this.ctl = new Int32Array(buffer(8))
      if (columns !== undefined) this.expect = { ...columns, same: new Uint8Array(buffer(n)) }
      if (parallel) this.startHelper(pathBytes())
    }
    this.same = this.expect?.same
  }

  private startHelper (pathBytes: Uint8Array): void {
    try {
      // shared, so that handing them over copies nothing more
      const shared = <T extends Float64Array | Uint8Array>(a: T): T => {
        const c = new (a.constructor as any)(new SharedArrayBuffer(a.byteLength)) as T
        c.set(a as any)
        return c
      }
      const e = this.expect
      this.worker = startWorker(siblingUrl('lstat-worker', import.meta.url), {
        root: this.root,
        paths: shared(pathBytes),
        count: this.paths.length,
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
    lstatShared(this.root, this.paths, stats, ctl, this.expect)
    for (let b = Atomics.load(ctl, 1); b !== 0; b = Atomics.load(ctl, 1)) Atomics.wait(ctl, 1, b, 50)
    void this.worker?.terminate()
    return stats
  }
}
