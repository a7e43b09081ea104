import { createHash } from 'node:crypto'

/**
 * How a file's bytes are cut into leaves. `fixed` is the unixfs-v1-2025
 * profile (1 MiB pieces, Kubo-identical CIDs). `cdc` is FastCDC (Xia et al.,
 * "FastCDC: a Fast and Efficient Content-Defined Chunking Approach", USENIX
 * ATC 2016) with normalized chunking level 2, so that inserting a byte moves
 * only the cut points near it and the rest of the file dedups:
 *
 *   gear table  GEAR[i] = first 4 bytes (big-endian) of sha256("acache-fastcdc-gear-" + i)
 *   hash        h = ((h << 1) + GEAR[byte]) mod 2^32
 *   sizes       min 131072, normal (average) 524288, max 1048576 bytes
 *   masks       before the normal size: the top 21 bits of h must be 0;
 *               after it: the top 17 bits (level 2: average bits 19 +/- 2)
 *   files of at most max bytes are one chunk (so small files have the same
 *   CID under either chunker); the rest are cut as above.
 *
 * Both produce plain UnixFS files (raw leaves, balanced DAG of 1024 links a
 * node) that any IPFS tool reads.
 */
export type ChunkerName = 'fixed' | 'cdc'

export const CDC = { min: 131072, avg: 524288, max: 1048576 }
// Signed 32-bit arithmetic (the same bits as unsigned): V8 keeps such values
// unboxed even in unoptimized code, where a uint32 above 2^31 is a heap
// number allocated a byte (measured: 0.6 vs 0.9 ns a byte optimized, and no
// 25x slowdown when the optimizer gives up on the loop).
const MASK_S = (~0 << (32 - 21)) | 0
const MASK_L = (~0 << (32 - 17)) | 0

/** The gear table, made when first cut with (every command that loads this module but does not cut is spared 256 hashes). */
let GEAR_I32: Int32Array | undefined
function gear (): Int32Array {
  if (GEAR_I32 === undefined) {
    GEAR_I32 = new Int32Array(256)
    for (let i = 0; i < 256; i++) GEAR_I32[i] = createHash('sha256').update(`acache-fastcdc-gear-${i}`).digest().readInt32BE(0)
  }
  return GEAR_I32
}

/** Length of the first chunk of `buf` (buf holds at least `max` bytes unless it is the end of the file). */
export function fastcdcCut (buf: Uint8Array, start: number, end: number): number {
  const n = end - start
  if (n <= CDC.min) return n
  const limit = Math.min(n, CDC.max)
  const normal = CDC.avg - 1
  // One flat loop: every operation in it has run by the time the optimizer
  // compiles it (with a second loop for the second mask, the optimized code
  // deoptimized when that loop first ran, and in one run of four ended up
  // three times slower).
  const g = gear()
  let mask = MASK_S
  let h = 0
  for (let i = CDC.min; i < limit; i++) {
    h = ((h << 1) + g[buf[start + i]]) | 0
    if ((h & mask) === 0) return i + 1
    if (i === normal) mask = MASK_L
  }
  return limit
}

/**
 * Splits a stream into chunks: push data as it comes, get complete chunks
 * back; `end()` returns the last ones. Chunks are copies the caller may keep,
 * or with `views` windows into the splitter's buffer, valid until the next
 * push (for a caller that copies them anyway).
 */
export class Splitter {
  private buf = new Uint8Array(0)
  private len = 0

  constructor (readonly name: ChunkerName, private readonly fixedSize = CDC.max, private readonly views = false) {}

  push (data: Uint8Array): Uint8Array[] {
    this.compact()
    if (this.buf.byteLength < this.len + data.byteLength) {
      const next = new Uint8Array(Math.max(this.len + data.byteLength, 2 * CDC.max))
      next.set(this.buf.subarray(0, this.len))
      this.buf = next
    }
    this.buf.set(data, this.len)
    this.len += data.byteLength
    return this.take(false)
  }

  end (): Uint8Array[] {
    this.compact()
    return this.take(true)
  }

  private take (last: boolean): Uint8Array[] {
    const out: Uint8Array[] = []
    let start = 0
    const size = this.name === 'fixed' ? this.fixedSize : CDC.max
    while (this.len - start >= size || (last && this.len - start > 0)) {
      const n = this.name === 'fixed' ? Math.min(this.fixedSize, this.len - start) : fastcdcCut(this.buf, start, this.len)
      out.push(this.views ? this.buf.subarray(start, start + n) : this.buf.slice(start, start + n))
      start += n
    }
    this.taken = start
    if (!this.views) this.compact()
    return out
  }

  /** bytes at the front already handed out */
  private taken = 0

  private compact (): void {
    if (this.taken === 0) return
    this.buf.copyWithin(0, this.taken, this.len)
    this.len -= this.taken
    this.taken = 0
  }
}
