import type { Worker } from 'node:worker_threads'
import { workerThreads } from './builtins.js'

/**
 * Starts one of acache's worker threads, unreferenced (it never keeps the
 * process alive). Of the process's own node options it passes on only those
 * a thread accepts: `node -e` or `--input-type` (how tests and scripts run
 * acache in-process) would make the thread fail to start, and so would
 * options for the whole process (V8's heap sizes): a thread that refuses
 * them starts without any.
 */
export function startWorker (url: URL, workerData?: unknown, transferList?: Transferable[]): Worker {
  const execArgv: string[] = []
  const args = process.execArgv
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') { i++; continue }
    if (a.startsWith('--input-type') || a.startsWith('--eval=') || a.startsWith('--print=')) continue
    execArgv.push(a)
  }
  const { Worker } = workerThreads()
  let worker: Worker
  try {
    worker = new Worker(url, { workerData, execArgv, transferList: transferList as any })
  } catch (err) {
    // options only a whole process takes (node --max-semi-space-size=64 acache ...): the thread starts without them
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err
    worker = new Worker(url, { workerData, execArgv: [], transferList: transferList as any })
  }
  worker.unref()
  return worker
}

/**
 * The URL of a worker module next to the module at `base` (its import.meta.url),
 * with the same extension: .js as tsc compiled it, .cjs in the bundle.
 */
export function siblingUrl (name: string, base: string): URL {
  const ext = /\.[cm]?js$/.exec(new URL(base).pathname)?.[0] ?? '.js'
  return new URL(`./${name}${ext}`, base)
}
