import { workerData, type MessagePort } from 'node:worker_threads'
import { chunkLstat, Expect, lstatShared, PathList } from './lstat.js'
import { runPreload } from './preload.js'

// The helper thread of SharedLstat (lstat chunks of the paths until none is
// left), or of preload.ts (read the index first).
if (workerData.preload !== undefined) {
  const { index, root, port, state } = workerData.preload as { index: string, root: string, port: MessagePort, state: Int32Array }
  runPreload(index, root, port, state)
} else {
  const { root, list, stats, ctl, expect } = workerData as { root: string, list: PathList, stats: Float64Array, ctl: Int32Array, expect?: Expect }
  lstatShared(list.count, chunkLstat(root, list), stats, ctl, expect)
}
