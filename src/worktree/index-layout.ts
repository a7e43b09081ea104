/**
 * Where things are in `.acache/index` (index.ts reads and writes it): magic,
 * version, header length, entry count (u32 LE each), the header JSON, then,
 * 8-aligned, the entry columns: numbers (f64 x ROW_NUMBERS per entry), kinds
 * (u8), CIDs (u8 length + bytes), and all paths as one NUL-separated UTF-8
 * string. Kept free of imports: the lstat helper thread reads the paths
 * with it before the rest of acache is loaded.
 */
import fs, { type Stats } from 'node:fs'

export const MAGIC = 0x41434958 // "ACIX"
export const INDEX_VERSION = 3
export const ROW_NUMBERS = 5 // size, mtimeMs, ctimeMs, ino, tsize

export interface IndexLayout {
  count: number
  header: string
  numbersAt: number
  kindsAt: number
  /** where each entry's CID (length byte, then bytes) starts */
  cidStart: Uint32Array
  pathsAt: number
}

/** The layout of an index file's bytes; undefined when it is not one this version reads. */
export function indexLayout (buf: Uint8Array): IndexLayout | undefined {
  if (buf.byteLength < 16) return undefined
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== INDEX_VERSION) return undefined
  const hlen = view.getUint32(8, true)
  const count = view.getUint32(12, true)
  const header = Buffer.from(buf.buffer, buf.byteOffset + 16, hlen).toString('utf8')
  const start = 16 + hlen
  const numbersAt = start + (8 - (start % 8)) % 8
  const kindsAt = numbersAt + count * ROW_NUMBERS * 8
  let o = kindsAt + count
  const cidStart = new Uint32Array(count)
  for (let i = 0; i < count; i++) {
    if (o >= buf.byteLength) throw new Error('damaged index')
    cidStart[i] = o
    o += 1 + buf[o]
  }
  if (o > buf.byteLength) throw new Error('damaged index')
  return { count, header, numbersAt, kindsAt, cidStart, pathsAt: o }
}

/** The paths of an index file, in order; undefined when it is not one this version reads. */
export function indexPaths (buf: Buffer, l = indexLayout(buf)): string[] | undefined {
  if (l === undefined) return undefined
  const paths = l.count === 0 ? [] : buf.toString('utf8', l.pathsAt).split('\0')
  return paths.length === l.count ? paths : undefined
}

/** Tells index files apart: one is never rewritten in place (writeFileAtomic renames a new file over it). */
export function fileId (st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`
}

/** An index file's bytes, and which file they came from (fileId). Throws as fs does. */
export function readIndexFile (file: string): { buf: Buffer, id: string } {
  const fd = fs.openSync(file, 'r')
  try {
    const id = fileId(fs.fstatSync(fd))
    return { buf: fs.readFileSync(fd), id }
  } finally {
    fs.closeSync(fd)
  }
}

/** 0 file, 1 exec, 2 symlink (the kinds column), -1 anything else: of an lstat mode. */
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
