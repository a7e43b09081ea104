import { knob } from '../../util/knobs.js'
import { nativeModule } from '../../util/native.js'

/**
 * acache's native lstat helper (native/lstat.c, built by `npm install` into
 * build/Release/acache_native.node): the lstat of a range of the index's
 * paths in one call, with no object made per file. Optional: without it
 * (not built, or ACACHE_NATIVE=0) lstat.ts uses fs.lstatSync.
 */
export interface NativeLstat {
  /** Fills rows [from, to) of `out` (lstat.ts STAT_FIELDS a row) with the lstat of the paths at `starts[from..to)` in `paths`, under `root`. */
  lstatRange: (root: string, paths: Uint8Array, starts: Uint32Array, from: number, to: number, out: Float64Array) => void
}

let loaded: NativeLstat | null | undefined

/** The helper, loaded once; undefined when it is not built or turned off. */
export function nativeLstat (): NativeLstat | undefined {
  if (loaded === undefined) {
    const m = knob('ACACHE_NATIVE') === '0' ? undefined : nativeModule()
    loaded = typeof m?.lstatRange === 'function' ? m as NativeLstat : null
  }
  return loaded ?? undefined
}

export { nativePath } from '../../util/native.js'

/** Where each of `count` NUL-separated paths starts in `bytes`; undefined when there are not `count` of them. */
export function pathStarts (bytes: Uint8Array, count: number, shared = false): Uint32Array | undefined {
  const starts = new Uint32Array(shared ? new SharedArrayBuffer(count * 4) : new ArrayBuffer(count * 4))
  if (count === 0) return starts
  let at = 0
  for (let i = 0; i < count; i++) {
    if (at > bytes.byteLength) return undefined
    starts[i] = at
    const nul = bytes.indexOf(0, at)
    at = nul === -1 ? bytes.byteLength + 1 : nul + 1
  }
  return at === bytes.byteLength + 1 ? starts : undefined
}
