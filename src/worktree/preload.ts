import fs from 'node:fs'
import path from 'node:path'
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads'
import { startWorker } from '../util/worker.js'
import { fileId, indexPaths } from './index-layout.js'
import { lstatShared, STAT_FIELDS } from './lstat.js'
import { trace } from '../util/trace.js'

/**
 * `status`, `commit` and `diff` lstat every tracked file. On a large working
 * root that starts at once, on a helper thread, before the command line is
 * even loaded (bin/acache.js calls preloadStats first): the helper reads the
 * index itself and takes chunks of paths from a cursor that the command
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
}

let pending: { worker: Worker, port: MessagePort, state: Int32Array } | undefined

/** Starts the helper when `argv` is one of those commands in a repository with a large index. */
export function preloadStats (argv: string[], cwd = process.cwd()): void {
  try {
    let dir = cwd
    let i = 0
    if (argv[0] === '-C' && argv.length > 2) { dir = path.resolve(cwd, argv[1]); i = 2 }
    if (!COMMANDS.has(argv[i])) return
    const index = findIndex(dir)
    if (index === undefined || fs.statSync(index).size < PRELOAD_FROM_BYTES) return
    const { port1, port2 } = new MessageChannel()
    const state = new Int32Array(new SharedArrayBuffer(4))
    const worker = startWorker(new URL('./lstat-worker.js', import.meta.url), { preload: { index, port: port2, state } }, [port2])
    worker.on('error', () => {}) // the command does the work itself then
    pending = { worker, port: port1, state }
  } catch {
    // never in the way: the command does all the work itself
  }
}

/** As Repo.find: the nearest directory up from `dir` with .acache/config. */
function findIndex (dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.acache', 'config'))) return path.join(d, '.acache', 'index')
    if (path.dirname(d) === d) return undefined
  }
}

/**
 * The helper's work, if it read the same index file (`file`) with `count`
 * entries for the working root `root`; undefined otherwise (the helper is stopped).
 */
export function takePreloaded (file: string, root: string, count: number): Preloaded | undefined {
  const p = pending
  if (p === undefined) return undefined
  pending = undefined
  Atomics.wait(p.state, 0, 0, WAIT_MS)
  const msg = receiveMessageOnPort(p.port)?.message as Omit<Preloaded, 'worker'> | undefined
  p.port.close()
  if (msg === undefined || msg.file !== file || msg.root !== root || msg.count !== count) {
    void p.worker.terminate()
    return undefined
  }
  return { ...msg, worker: p.worker }
}

/** The helper's side: read the index's paths, hand over the shared arrays, then lstat. */
export function runPreload (index: string, port: MessagePort, state: Int32Array): void {
  trace('started')
  let paths: string[] | undefined
  let msg: Omit<Preloaded, 'worker'> | undefined
  try {
    const fd = fs.openSync(index, 'r')
    let buf: Buffer
    let file: string
    try {
      file = fileId(fs.fstatSync(fd))
      buf = fs.readFileSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    paths = indexPaths(buf)
    if (paths !== undefined) {
      const count = paths.length
      msg = {
        file,
        root: path.dirname(path.dirname(index)),
        count,
        stats: new Float64Array(new SharedArrayBuffer(count * STAT_FIELDS * 8)),
        ctl: new Int32Array(new SharedArrayBuffer(8))
      }
      port.postMessage(msg)
    }
  } finally {
    Atomics.store(state, 0, 1)
    Atomics.notify(state, 0)
  }
  trace('index read')
  if (msg !== undefined && paths !== undefined) lstatShared(msg.root, paths, msg.stats, msg.ctl)
  trace('lstat done')
}
