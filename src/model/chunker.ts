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
const MASK_S = (~0 << (32 - 21)) >>> 0
const MASK_L = (~0 << (32 - 17)) >>> 0

export const GEAR: Uint32Array = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) t[i] = createHash('sha256').update(`acache-fastcdc-gear-${i}`).digest().readUInt32BE(0)
  return t
})()

/** Length of the first chunk of `buf` (buf holds at least `max` bytes unless it is the end of the file). */
export function fastcdcCut (buf: Uint8Array, start: number, end: number): number {
  const n = end - start
  if (n <= CDC.min) return n
  const limit = Math.min(n, CDC.max)
  const normal = Math.min(limit, CDC.avg)
  let h = 0
  let i = CDC.min
  for (; i < normal; i++) {
    h = ((h << 1) + GEAR[buf[start + i]]) >>> 0
    if ((h & MASK_S) === 0) return i + 1
  }
  for (; i < limit; i++) {
    h = ((h << 1) + GEAR[buf[start + i]]) >>> 0
    if ((h & MASK_L) === 0) return i + 1
  }
  return limit
}

/**
 * Splits a stream into chunks: push data as it comes, get complete chunks
 * back; `end()` returns the last ones. Chunks are copies the caller may keep.
 */
export class Splitter {
  private buf = new Uint8Array(0)
  private len = 0

  constructor (readonly name: ChunkerName, private readonly fixedSize = CDC.max) {}

  push (data: Uint8Array): Uint8Array[] {
    if (this.buf.byteLength < this.len + data.byteLength) {
      const next = new Uint8Array(Math.max(this.len + data.byteLength, 2 * CDC.max))
      next.set(this.buf.subarray(0, this.len))
      this.buf = next
    }
    this.buf.set(data, this.len)
    this.len += data.byteLength
    return this.take(false)
  }

  end (): Uint8Array[] { return this.take(true) }

  private take (last: boolean): Uint8Array[] {
    const out: Uint8Array[] = []
    let start = 0
    const size = this.name === 'fixed' ? this.fixedSize : CDC.max
    while (this.len - start >= size || (last && this.len - start > 0)) {
      const n = this.name === 'fixed' ? Math.min(this.fixedSize, this.len - start) : fastcdcCut(this.buf, start, this.len)
      out.push(this.buf.slice(start, start + n))
      start += n
    }
    this.buf.copyWithin(0, start, this.len)
    this.len -= start
    return out
  }
}
