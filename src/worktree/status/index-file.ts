/**
 * The `.acache/index` file, read and written here (index.ts holds the
 * entries; StatCache reads and saves through this): magic,
 * version, header length, entry count (u32 LE each), the header JSON, then,
 * 8-aligned, the entry columns: numbers (f64 x ROW_NUMBERS per entry), kinds
 * (u8), CIDs (u8 length + bytes), all paths as one NUL-separated UTF-8
 * string, and (from version 4) the CRC-32 of everything before it, so that
 * a damaged index is rebuilt, never trusted. Kept free of acache's other
 * modules: the lstat helper thread reads the paths with it before the rest
 * of acache is loaded.
 */
import fs, { type Stats } from 'node:fs'
import { crc32 } from 'node:zlib'

export type FileKind = 'file' | 'exec' | 'symlink'

/** The stat fields acache looks at (fs.Stats has them; so do the light records of a parallel scan). */
export interface FileStat { mode: number, size: number, mtimeMs: number, ctimeMs: number, ino: number }

export const MAGIC = 0x41434958 // "ACIX"
export const INDEX_VERSION = 4
/** read too: the same without the CRC */
const OLD_VERSION = 3
export const ROW_NUMBERS = 5 // size, mtimeMs, ctimeMs, ino, tsize

/**
 * Git's racily-clean margin: what changed within this long of a look may
 * change again unseen within the same timestamp tick (index entries, ignore
 * files and directories of the untracked cache alike).
 */
export const RACY_MS = 1000

/** The entry columns of an index, as written. */
export interface IndexColumns { count: number, numbers: Float64Array, kinds: Uint8Array, cids: Uint8Array, paths: Uint8Array }

/** An index file's bytes (as parts, for one write): the reverse of indexLayout, indexColumns and indexPaths. */
export function encodeIndexFile (header: string, c: IndexColumns): Buffer[] {
  const json = Buffer.from(header, 'utf8')
  const head = Buffer.alloc(16)
  head.writeUInt32LE(MAGIC, 0)
  head.writeUInt32LE(INDEX_VERSION, 4)
  head.writeUInt32LE(json.byteLength, 8)
  head.writeUInt32LE(c.count, 12)
  const start = 16 + json.byteLength
  const pad = Buffer.alloc((8 - (start % 8)) % 8)
  // views of the columns, not copies (100,000 entries: megabytes at the moment a first commit peaks)
  const view = (a: Uint8Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
  const parts = [head, json, pad, view(c.numbers), view(c.kinds), view(c.cids), view(c.paths)]
  return [...parts, indexCrc(parts)]
}

export interface IndexLayout {
  count: number
  header: string
  numbersAt: number
  kindsAt: number
  /** where each entry's CID (length byte, then bytes) starts */
  cidStart: Uint32Array
  pathsAt: number
  /** where the paths end */
  end: number
}

/** The CRC-32 that ends an index of version 4, of the parts before it. */
function indexCrc (parts: Uint8Array[]): Buffer {
  let crc = 0
  for (const p of parts) crc = crc32(p, crc)
  const out = Buffer.alloc(4)
  out.writeUInt32LE(crc >>> 0, 0)
  return out
}

/** The layout of an index file's bytes; undefined when it is not one this version reads. */
export function indexLayout (buf: Uint8Array): IndexLayout | undefined {
  if (buf.byteLength < 16) return undefined
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const version = view.getUint32(4, true)
  if (view.getUint32(0, true) !== MAGIC || (version !== INDEX_VERSION && version !== OLD_VERSION)) return undefined
  let end = buf.byteLength
  if (version === INDEX_VERSION) {
    end -= 4
    if (end < 16 || (crc32(buf.subarray(0, end)) >>> 0) !== view.getUint32(end, true)) return undefined
  }
  const hlen = view.getUint32(8, true)
  const count = view.getUint32(12, true)
  const header = Buffer.from(buf.buffer, buf.byteOffset + 16, hlen).toString('utf8')
  const start = 16 + hlen
  const numbersAt = start + (8 - (start % 8)) % 8
  const kindsAt = numbersAt + count * ROW_NUMBERS * 8
  let o = kindsAt + count
  const cidStart = new Uint32Array(count)
  for (let i = 0; i < count; i++) {
    if (o >= end) throw new Error('damaged index')
    cidStart[i] = o
    o += 1 + buf[o]
  }
  if (o > end) throw new Error('damaged index')
  return { count, header, numbersAt, kindsAt, cidStart, pathsAt: o, end }
}

/** The paths of an index file, in order; undefined when it is not one this version reads. */
export function indexPaths (buf: Buffer, l = indexLayout(buf)): string[] | undefined {
  if (l === undefined) return undefined
  const paths = l.count === 0 ? [] : buf.toString('utf8', l.pathsAt, l.end).split('\0')
  return paths.length === l.count ? paths : undefined
}

/** The numbers (f64 x ROW_NUMBERS a row) and kinds columns of an index file, in place when aligned. */
export function indexColumns (buf: Buffer, l: IndexLayout): { numbers: Float64Array, kinds: Uint8Array } {
  const n = l.count * ROW_NUMBERS
  const numbers = (buf.byteOffset + l.numbersAt) % 8 === 0
    ? new Float64Array(buf.buffer, buf.byteOffset + l.numbersAt, n)
    : new Float64Array(Uint8Array.prototype.slice.call(buf, l.numbersAt, l.numbersAt + n * 8).buffer)
  return { numbers, kinds: buf.subarray(l.kindsAt, l.kindsAt + l.count) }
}

/** Tells index files apart: one is never rewritten in place (writeFileAtomic renames a new file over it). */
export function fileId (st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`
}

/** An index file's bytes (in shared memory, with `shared`), and which file they came from (fileId). Throws as fs does. */
export function readIndexFile (file: string, shared = false): { buf: Buffer, id: string } {
  const fd = fs.openSync(file, 'r')
  try {
    const st = fs.fstatSync(fd)
    const id = fileId(st)
    if (!shared) return { buf: fs.readFileSync(fd), id }
    const buf = Buffer.from(new SharedArrayBuffer(st.size))
    let got = 0
    for (let n = 1; n > 0 && got < buf.byteLength; got += n) n = fs.readSync(fd, buf, got, buf.byteLength - got, got)
    return { buf: buf.subarray(0, got), id }
  } finally {
    fs.closeSync(fd)
  }
}

/** What the kinds column's numbers stand for. */
export const KIND_NAMES = ['file', 'exec', 'symlink'] as const

/** 0 file, 1 exec, 2 symlink (the kinds column, KIND_NAMES), -1 anything else: of an lstat mode. */
export function kindIndexOfMode (mode: number): number {
  const type = mode & 0o170000
  return type === 0o120000 ? 2 : type === 0o100000 ? ((mode & 0o100) !== 0 ? 1 : 0) : -1
}

/**
 * Whether the file whose lstat numbers are at `stats[b..]` (lstat.ts: present,
 * mode, size, mtimeMs, ctimeMs, ino) is what row `row` of the columns
 * recorded: same kind, size, mtime, ctime and inode, and not smudged (size -1).
 */
export function rowMatches (numbers: Float64Array, kinds: Uint8Array, row: number, stats: Float64Array, b: number): boolean {
  const r = row * ROW_NUMBERS
  return stats[b] === 1 && numbers[r] >= 0 && kindIndexOfMode(stats[b + 1]) === kinds[row] &&
    numbers[r] === stats[b + 2] && numbers[r + 1] === stats[b + 3] && numbers[r + 2] === stats[b + 4] && numbers[r + 3] === stats[b + 5]
}
