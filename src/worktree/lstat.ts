import fs from 'node:fs'
import path from 'node:path'

/** present, mode, size, mtimeMs, ctimeMs, ino */
export const STAT_FIELDS = 6

export function lstatInto (root: string, paths: string[], from: number, to: number, out: Float64Array, outOffset = from): void {
  // Relative paths are cheaper for the kernel to resolve: use them when we can.
  const prefix = process.cwd() === root ? '' : root.endsWith(path.sep) ? root : root + path.sep
  for (let i = from; i < to; i++) {
    const st = fs.lstatSync(prefix + paths[i], { throwIfNoEntry: false })
    const b = (i - from + outOffset) * STAT_FIELDS
    if (st === undefined) { out[b] = 0; continue }
    out[b] = 1
    out[b + 1] = st.mode
    out[b + 2] = st.size
    out[b + 3] = st.mtimeMs
    out[b + 4] = st.ctimeMs
    out[b + 5] = st.ino
  }
}

