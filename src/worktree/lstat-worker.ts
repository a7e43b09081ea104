import { workerData, type MessagePort } from 'node:worker_threads'
import { Expect, lstatShared } from './lstat.js'
import { runPreload } from './preload.js'

// The helper thread of SharedLstat (lstat chunks of the paths until none is
// left), or of preload.ts (read the index first).
if (workerData.preload !== undefined) {
  const { index, port, state } = workerData.preload as { index: string, port: MessagePort, state: Int32Array }
  runPreload(index, port, state)
} else {
  const { root, paths, count, stats, ctl, expect } = workerData as { root: string, paths: Uint8Array, count: number, stats: Float64Array, ctl: Int32Array, expect?: Expect }
  const list = count === 0 ? [] : Buffer.from(paths.buffer, paths.byteOffset, paths.byteLength).toString('utf8').split('\0')
  if (list.length === count) lstatShared(root, list, stats, ctl, expect)
}
