import { Worker } from 'node:worker_threads'

/**
 * Starts one of acache's worker threads, unreferenced (it never keeps the
 * process alive). Of the process's own node options it passes on only those
 * a thread accepts: `node -e` or `--input-type` (how tests and scripts run
 * acache in-process) would make the thread fail to start.
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
  const worker = new Worker(url, { workerData, execArgv, transferList: transferList as any })
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
