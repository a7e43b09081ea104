import fs from 'node:fs'
import type { MessagePort, Worker } from 'node:worker_threads'
import { workerThreads } from '../../util/builtins.js'
import { siblingUrl, startWorker } from '../../util/worker.js'
import { commandOf, codeCacheOf, OWN_CODE_CACHE } from '../../util/argv.js'
import { findRepository, RepoLayout } from '../../repo/layout.js'
import { fileId, indexColumns, indexLayout, indexPaths, readIndexFile } from './index-file.js'
import { chunkLstat, Expect, lstatShared, PathList, STAT_FIELDS } from './lstat.js'
import { nativeLstat, pathStarts } from './native.js'
import { tally, trace } from '../../util/trace.js'
import { knob } from '../../util/knobs.js'

// The bundled command line loads this module from the file bin/acache.js
// loaded it from (preload.cjs), so there is one of it, and of trace.
// bin/acache.js and scripts/warm-cache.cjs also ask it which code cache a command starts with.
export { tally, trace, codeCacheOf, OWN_CODE_CACHE }

/**
 * `status`, `commit` and `diff` lstat every tracked file. On a large working
 * root that starts at once, on a helper thread, before the command line is
 * even loaded (bin/acache.js calls preloadStats first): the helper reads the
 * index into shared memory (the command then reads it from there:
 * preloadedIndex) and takes chunks of paths from a cursor that the command
 * joins when it gets there (lstat.ts). As git's preloaded index, but started
 * earlier, since loading acache takes a while.
 */
const COMMANDS = new Set(['status', 'commit', 'diff'])

/** Index files smaller than this (about 4,000 entries) are not worth a thread. */
const PRELOAD_FROM_BYTES = 400_000

/** How long a command waits for the helper to have read the index. */
const WAIT_MS = 500

export interface Preloaded {
  worker: Worker
  /** the index file the helper read (index.ts fileId) */
  file: string
  root: string
  count: number
  stats: Float64Array
  ctl: Int32Array
  /** 1 for each path found as the index has it */
  same: Uint8Array
  /** where each path starts in the index's path column, when the native helper reads them */
  starts?: Uint32Array
}

/** What the helper sends once it has read the index: its work, and the file's bytes (shared: the command reads them instead of the file). */
type Message = Omit<Preloaded, 'worker'> & { index: string, bytes: Uint8Array }

interface Pending {
  worker: Worker
  port: MessagePort
  state: Int32Array
  /** the helper's message, once asked for (null: none came) */
  msg?: Message | null
}

/** The helper started for this command, until the command takes its work. */
let pending: Pending | undefined

/**
 * The one entry point of the lstat preload: starts the helper when `argv`
 * is one of those commands in a repository with a large index. bin/acache.js
 * calls it first thing; the command then takes the work (takePreloaded).
 */
export function preloadStats (argv: string[], cwd = process.cwd()): void {
  try {
    const { command, dir } = commandOf(argv, cwd)
    if (command === undefined || !COMMANDS.has(command) || knob('ACACHE_THREADS') === '0') return
    const found = findRepository(dir)
    if (found?.root === undefined) return
    const index = new RepoLayout(found.dir).index
    if (fs.statSync(index).size < PRELOAD_FROM_BYTES) return
    const { port1, port2 } = new (workerThreads().MessageChannel)()
    const state = new Int32Array(new SharedArrayBuffer(4))
    const worker = startWorker(siblingUrl('lstat-worker', import.meta.url), { preload: { index, root: found.root, port: port2, state } }, [port2])
    // a helper that fails or ends early: the command does the work itself, without waiting for it
    const gone = (): void => { if (Atomics.compareExchange(state, 0, 0, 2) === 0) Atomics.notify(state, 0) }
    worker.on('error', gone)
    worker.on('exit', gone)
    pending = { worker, port: port1, state }
  } catch {
    // never in the way: the command does all the work itself
  }
}

/** The helper's message, waiting for it the first time (at most WAIT_MS). */
function helperMessage (p: Pending): Message | undefined {
  if (p.msg === undefined) {
    Atomics.wait(p.state, 0, 0, WAIT_MS)
    p.msg = (workerThreads().receiveMessageOnPort(p.port)?.message as Message | undefined) ?? null
    p.port.close()
  }
  return p.msg ?? undefined
}

/**
 * The bytes of the index file `index` as the helper read (and checked)
 * them, if that file is still the one it read: the command need not read
 * it again. Its id (index-file.ts fileId) with them.
 */
export function preloadedIndex (index: string): { buf: Buffer, id: string } | undefined {
  const msg = pending === undefined ? undefined : helperMessage(pending)
  if (msg === undefined || msg.index !== index) return undefined
  let id: string
  try { id = fileId(fs.statSync(index)) } catch { return undefined }
  return id === msg.file ? { buf: Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength), id } : undefined
}

/**
 * The helper's work, if it read the same index file (`file`) with `count`
 * entries for the working root `root`; undefined otherwise (the helper is stopped).
 */
export function takePreloaded (file: string, root: string, count: number): Preloaded | undefined {
  const p = pending
  if (p === undefined) return undefined
  pending = undefined
  const msg = helperMessage(p)
  if (msg === undefined || msg.file !== file || msg.root !== root || msg.count !== count) {
    void p.worker.terminate()
    return undefined
  }
  const { index, bytes, ...work } = msg
  return { ...work, worker: p.worker }
}

/** The helper's side: read the index, hand over the shared arrays, then lstat and compare. */
export function runPreload (index: string, root: string, port: MessagePort, state: Int32Array): void {
  trace('started')
  let job: { root: string, list: PathList, stats: Float64Array, ctl: Int32Array, expect: Expect } | undefined
  try {
    // into shared memory: the command reads the index from here (preloadedIndex)
    const { buf, id: file } = readIndexFile(index, true)
    const layout = indexLayout(buf)
    if (layout !== undefined) {
      const count = layout.count
      const bytes = buf.subarray(layout.pathsAt, layout.end)
      // the native helper reads the paths as bytes; fs.lstatSync needs them as strings
      const starts = nativeLstat() === undefined ? undefined : pathStarts(bytes, count, true)
      const strings = starts === undefined ? indexPaths(buf, layout) : undefined
      if (starts !== undefined || strings !== undefined) {
        const { numbers, kinds } = indexColumns(buf, layout)
        job = {
          root,
          list: { count, bytes, starts, strings: strings === undefined ? undefined : () => strings },
          stats: new Float64Array(new SharedArrayBuffer(count * STAT_FIELDS * 8)),
          ctl: new Int32Array(new SharedArrayBuffer(8)),
          expect: { numbers, kinds, same: new Uint8Array(new SharedArrayBuffer(count)) }
        }
        const msg: Message = { index, bytes: buf, file, root: job.root, count, stats: job.stats, ctl: job.ctl, same: job.expect.same, starts }
        port.postMessage(msg)
      }
    }
  } finally {
    Atomics.store(state, 0, 1)
    Atomics.notify(state, 0)
  }
  trace(job?.list.starts !== undefined ? 'index read (native lstat)' : 'index read')
  if (job !== undefined) lstatShared(job.list.count, chunkLstat(job.root, job.list), job.stats, job.ctl, job.expect)
  trace('lstat done')
}
