import fs from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * acache's native helper (native/*.c, built by `npm install` into
 * build/Release/acache_native.node): the lstat of many paths in one call
 * (worktree/status/native.ts), and sharing extents between files
 * (util/reflink.ts). Optional: without it acache does the same work in
 * JavaScript, slower.
 */
export interface NativeModule {
  /** Fills rows [from, to) of `out` (lstat.ts STAT_FIELDS a row) with the lstat of the paths at `starts[from..to)` in `paths`, under `root`. */
  lstatRange?: (root: string, paths: Uint8Array, starts: Uint32Array, from: number, to: number, out: Float64Array) => void
  /** FICLONERANGE: [srcOffset, srcOffset + length) of `src` becomes [dstOffset, ...) of `dstFd`; 0, or a negative errno. */
  cloneRange?: (dstFd: number, src: string, srcOffset: number, length: number, dstOffset: number) => number
  /** FIDEDUPERANGE: the range of `dstFd` shares the extents of `src`'s if their bytes are equal; the bytes shared, or a negative errno (-EBADE: they differ). */
  dedupeRange?: (dstFd: number, src: string, srcOffset: number, length: number, dstOffset: number) => number
}

const FILE = 'acache_native.node'

let loaded: NativeModule | null | undefined

/** Where the helper is: build/Release of the package, two levels above the bundle (dist/bundle) or three above dist/src/util. */
export function nativePath (): string | undefined {
  for (const up of ['../../build/Release/', '../../../build/Release/']) {
    const file = fileURLToPath(new URL(up + FILE, import.meta.url))
    if (fs.existsSync(file)) return file
  }
  return undefined
}

/** The helper, loaded once; undefined when it is not built (or was built for another Node). */
export function nativeModule (): NativeModule | undefined {
  if (loaded === undefined) {
    const file = nativePath()
    try {
      loaded = file === undefined ? null : createRequire(import.meta.url)(file) as NativeModule
    } catch {
      loaded = null
    }
  }
  return loaded ?? undefined
}
