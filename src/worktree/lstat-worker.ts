import { parentPort } from 'node:worker_threads'
import { lstatInto, STAT_FIELDS } from './lstat.js'

// lstat part of a large working root while the main thread does the rest.
parentPort!.once('message', ({ root, paths }: { root: string, paths: string[] }) => {
  const out = new Float64Array(paths.length * STAT_FIELDS)
  lstatInto(root, paths, 0, paths.length, out)
  parentPort!.postMessage(out.buffer, [out.buffer])
})
