import fs from 'node:fs'
import path from 'node:path'
import { createHash, randomBytes } from 'node:crypto'

/**
 * Pack files: small blocks appended to one file instead of one file each
 * (as git packs objects and Xet packs chunks). A pack is written by one
 * process only, so writers never share a file:
 *
 *   pack-ID.pack  "ACPK1\n", then records: 32-byte SHA-256 digest, u32 length, bytes
 *   pack-ID.log   while the pack is open: one 44-byte entry a block
 *                 (digest, u64 offset of the bytes, u32 length), appended
 *                 after the block's bytes, so a reader that sees an entry
 *                 can read its bytes; other processes read open packs by it
 *   pack-ID.idx   when sealed: "ACIX1\n", u32 count, the entries sorted by
 *                 digest, SHA-256 of all before it; then the .log goes
 *
 * Every block read is checked against its CID by the store, as a loose
 * block is: a damaged pack or index gives "damaged", never wrong bytes.
 * Packs hold sha2-256 blocks only (every block acache writes).
 */

const PACK_MAGIC = Buffer.from('ACPK1\n')
const IDX_MAGIC = Buffer.from('ACIX1\n')
export const ENTRY = 44
const RECORD_HEAD = 36
/** A pack is sealed and a new one begun past this many bytes or entries (bounds the writer's memory). */
const SEAL_BYTES = 256 * 1024 * 1024
const SEAL_ENTRIES = 200_000
/** An index larger than this is not loaded (a hostile folder's). */
const MAX_INDEX_BYTES = 512 * 1024 * 1024

/** Monotonic milliseconds. (The global `performance` loads perf_hooks on first use: 0.5 ms of every command.) */
function msNow (): number {
  return Number(process.hrtime.bigint()) / 1e6
}

export interface Located { pack: string, offset: number, length: number }

/** A sealed pack's index: sorted entries in one buffer, searched in place. */
class SortedIndex {
  constructor (readonly buf: Buffer, readonly count: number, readonly start: number) {}

  find (digest: Uint8Array): { offset: number, length: number } | undefined {
    let lo = 0
    let hi = this.count - 1
    const d = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength)
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const at = this.start + mid * ENTRY
      const c = this.buf.compare(d, 0, 32, at, at + 32) // buf vs digest
      if (c === 0) return { offset: Number(this.buf.readBigUInt64BE(at + 32)), length: this.buf.readUInt32BE(at + 40) }
      if (c < 0) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }

  * entries (): Generator<{ digest: Buffer, offset: number, length: number }> {
    for (let i = 0; i < this.count; i++) {
      const at = this.start + i * ENTRY
      yield { digest: this.buf.subarray(at, at + 32), offset: Number(this.buf.readBigUInt64BE(at + 32)), length: this.buf.readUInt32BE(at + 40) }
    }
  }
}

/** An open pack's entries as read from its .log (or kept by its writer). */
class OpenIndex {
  readonly map = new Map<string, { offset: number, length: number }>()
  readBytes = 0
}

interface Pack { name: string, sorted?: SortedIndex, open?: OpenIndex, logSize?: number }

function regularSize (file: string): number | undefined {
  try {
    const st = fs.lstatSync(file)
    return st.isFile() ? st.size : undefined
  } catch { return undefined }
}

function readRegular (file: string, max: number): Buffer | undefined {
  const size = regularSize(file)
  if (size === undefined || size > max) return undefined
  try { return fs.readFileSync(file) } catch { return undefined }
}

function parseIndex (buf: Buffer): SortedIndex | undefined {
  if (buf.byteLength < IDX_MAGIC.byteLength + 4 + 32 || !buf.subarray(0, IDX_MAGIC.byteLength).equals(IDX_MAGIC)) return undefined
  const count = buf.readUInt32BE(IDX_MAGIC.byteLength)
  const start = IDX_MAGIC.byteLength + 4
  if (buf.byteLength !== start + count * ENTRY + 32) return undefined
  const sum = createHash('sha256').update(buf.subarray(0, start + count * ENTRY)).digest()
  if (!sum.equals(buf.subarray(start + count * ENTRY))) return undefined
  return new SortedIndex(buf, count, start)
}

/** Sorted index bytes for these entries. */
/**
 * A pack's index from its writer's entries (digest in hex -> where). Lower-case
 * hex sorts as the digests' bytes do, so the keys are sorted as strings, and
 * each entry is written straight from its key: no object a block (a pack of
 * 100,000 blocks made 30 MB of them as it was sealed).
 */
function encodeIndex (entries: Map<string, { offset: number, length: number }>): Buffer {
  const keys = [...entries.keys()].sort()
  const start = IDX_MAGIC.byteLength + 4
  const out = Buffer.alloc(start + keys.length * ENTRY + 32)
  IDX_MAGIC.copy(out, 0)
  out.writeUInt32BE(keys.length, IDX_MAGIC.byteLength)
  let at = start
  for (const hex of keys) {
    const e = entries.get(hex)!
    out.write(hex, at, 32, 'hex')
    putEntry(out, at, undefined, e.offset, e.length)
    at += ENTRY
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at)
  return out
}

/** An entry (digest, offset, length) written at `at`: the layout of the index and the log. */
function putEntry (out: Buffer, at: number, digest: Uint8Array | undefined, offset: number, length: number): void {
  if (digest !== undefined) out.set(digest, at)
  out.writeUInt32BE(Math.floor(offset / 2 ** 32), at + 32)
  out.writeUInt32BE(offset >>> 0, at + 36)
  out.writeUInt32BE(length, at + 40)
}

/** Writes all of `b`, going on after a short write (a signal, a full disk's last bytes). */
function writeFull (fd: number, b: Buffer): void {
  let at = 0
  while (at < b.byteLength) at += fs.writeSync(fd, b, at)
}

/** How much of a pack, and of its log, a writer gathers before writing (blocks are copied in). */
const STAGE_BYTES = 1024 * 1024
const STAGE_ENTRIES = 8192

/**
 * This process's open pack. Blocks are copied into one staging buffer, and
 * their log entries into another, written when full: a hundred thousand
 * small files are a few dozen writes, and no buffer of theirs is held.
 */
class Writer {
  readonly index = new OpenIndex()
  private readonly packFd: number
  private readonly logFd: number
  private size: number
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES)
  private staged = 0
  private readonly logStage = Buffer.allocUnsafe(STAGE_ENTRIES * ENTRY)
  private logStaged = 0
  private flushed: number

  constructor (readonly dir: string, readonly name: string) {
    this.packFd = fs.openSync(path.join(dir, `${name}.pack`), 'wx')
    this.logFd = fs.openSync(path.join(dir, `${name}.log`), 'wx')
    fs.writeSync(this.packFd, PACK_MAGIC)
    this.size = PACK_MAGIC.byteLength
    this.flushed = this.size
  }

  get full (): boolean { return this.size > SEAL_BYTES || this.index.map.size > SEAL_ENTRIES }

  append (digest: Uint8Array, bytes: Uint8Array): void {
    const need = RECORD_HEAD + bytes.byteLength
    if (this.staged + need > STAGE_BYTES || this.logStaged + ENTRY > this.logStage.byteLength) this.flush()
    const offset = this.size + RECORD_HEAD
    if (need > STAGE_BYTES) {
      // a block larger than the stage is written as it is (what was staged went first)
      const head = Buffer.allocUnsafe(RECORD_HEAD)
      head.set(digest, 0)
      head.writeUInt32BE(bytes.byteLength, 32)
      writeFull(this.packFd, head)
      writeFull(this.packFd, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    } else {
      this.stage.set(digest, this.staged)
      this.stage.writeUInt32BE(bytes.byteLength, this.staged + 32)
      this.stage.set(bytes, this.staged + RECORD_HEAD)
      this.staged += need
    }
    // the entry saying where the bytes are is written after them, never before
    putEntry(this.logStage, this.logStaged, digest, offset, bytes.byteLength)
    this.logStaged += ENTRY
    this.size = offset + bytes.byteLength
    if (this.staged === 0) this.flushed = this.size
    this.index.map.set(Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex'), { offset, length: bytes.byteLength })
  }

  /** Whether an entry's bytes are still in memory. */
  unflushed (offset: number): boolean { return offset >= this.flushed }

  flush (): void {
    // the bytes first, then the entries that say where they are
    if (this.staged > 0) writeFull(this.packFd, this.stage.subarray(0, this.staged))
    if (this.logStaged > 0) writeFull(this.logFd, this.logStage.subarray(0, this.logStaged))
    this.staged = 0
    this.logStaged = 0
    this.flushed = this.size
  }

  /** Writes the sorted index and drops the log: the pack is whole. */
  seal (): SortedIndex {
    this.flush()
    fs.closeSync(this.packFd)
    fs.closeSync(this.logFd)
    const buf = encodeIndex(this.index.map)
    writeAtomic(path.join(this.dir, `${this.name}.idx`), buf)
    fs.rmSync(path.join(this.dir, `${this.name}.log`), { force: true })
    return parseIndex(buf)!
  }
}

function writeAtomic (file: string, data: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  fs.writeFileSync(tmp, data)
  fs.renameSync(tmp, file)
}

/** Packs of this process still open: sealed when the process ends (one exit hook for all). */
const unsealed = new Set<PackSet>()
let exitHooked = false
function sealAtExit (p: PackSet): void {
  unsealed.add(p)
  if (exitHooked) return
  exitHooked = true
  process.once('exit', () => { for (const s of unsealed) { try { s.seal() } catch {} } })
}

export function newPackName (): string {
  return `pack-${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`
}

/**
 * The packs of one directory, for reading and for this process's writing.
 * What other processes add is seen on the next miss (the directory and the
 * open packs' logs are looked at again when they changed).
 */
const UNREAD = -1
const ABSENT_DIR = -3

/** How long a look at the directory answers 'recent' lookups (see locate). */
const RECENT_MS = 100

export class PackSet {
  private packs = new Map<string, Pack>()
  /** the directory's mtime when last read (UNREAD: never, or to be read again; ABSENT_DIR: there was none) */
  private dirStamp = UNREAD
  /** when the directory was last looked at (msNow()) */
  private scannedAt = -Infinity
  private writer?: Writer
  private readonly fds = new Map<string, number>()

  constructor (readonly dir: string) {}

  private scan (): void {
    this.scannedAt = msNow()
    // (no directory yet: no packs, and nothing thrown, which costs more than the look)
    let st: fs.Stats | undefined
    try { st = fs.statSync(this.dir, { throwIfNoEntry: false }) } catch {}
    if (st === undefined) { this.packs.clear(); this.dirStamp = ABSENT_DIR; return }
    const stamp = st.mtimeMs
    const fresh = stamp !== this.dirStamp
    if (fresh) {
      this.dirStamp = stamp
      let names: string[] = []
      try { names = fs.readdirSync(this.dir) } catch {}
      const present = new Set(names)
      const next = new Map<string, Pack>()
      for (const n of names) {
        if (!n.endsWith('.pack')) continue
        const name = n.slice(0, -5)
        if (name === this.writer?.name) continue
        const had = this.packs.get(name)
        const sealed = present.has(`${name}.idx`)
        if (had !== undefined && (had.sorted !== undefined || !sealed)) { next.set(name, had); continue }
        next.set(name, { name })
      }
      for (const name of this.packs.keys()) if (!next.has(name)) this.closeFd(name)
      this.packs = next
    }
    for (const p of this.packs.values()) this.load(p)
  }

  /** Reads a pack's index, or what is new in its log. */
  private load (p: Pack): void {
    if (p.sorted !== undefined) return
    const idx = path.join(this.dir, `${p.name}.idx`)
    const buf = readRegular(idx, MAX_INDEX_BYTES)
    if (buf !== undefined) {
      const sorted = parseIndex(buf)
      if (sorted !== undefined) { p.sorted = sorted; p.open = undefined; return }
    }
    const log = path.join(this.dir, `${p.name}.log`)
    const size = regularSize(log)
    if (size === undefined || size === p.logSize) return
    p.open ??= new OpenIndex()
    const have = p.open.readBytes
    const whole = Math.floor(size / ENTRY) * ENTRY
    if (whole <= have || whole > MAX_INDEX_BYTES) { p.logSize = size; return }
    const buf2 = Buffer.alloc(whole - have)
    try {
      const fd = fs.openSync(log, 'r')
      try { fs.readSync(fd, buf2, 0, buf2.byteLength, have) } finally { fs.closeSync(fd) }
    } catch { return }
    for (let at = 0; at < buf2.byteLength; at += ENTRY) {
      p.open.map.set(buf2.toString('hex', at, at + 32), { offset: Number(buf2.readBigUInt64BE(at + 32)), length: buf2.readUInt32BE(at + 40) })
    }
    p.open.readBytes = whole
    p.logSize = size
  }

  private findLoaded (digest: Uint8Array): Located | undefined {
    const hex = Buffer.from(digest).toString('hex')
    const own = this.writer?.index.map.get(hex)
    if (own !== undefined) return { pack: this.writer!.name, ...own }
    for (const p of this.packs.values()) {
      const e = p.sorted?.find(digest) ?? p.open?.map.get(hex)
      if (e !== undefined) return { pack: p.name, ...e }
    }
    return undefined
  }

  /**
   * Where a block is, or undefined. On a miss, what other processes wrote
   * since is looked at: always (`fresh` true: a read), not at all (false: a
   * write that only wants to skip a copy it already has), or when it was
   * last looked at more than RECENT_MS ago ('recent': whether a block is
   * here, asked of each of 100,000 blocks a push brings; a block another
   * process packed in that moment may be reported absent, which costs only
   * fetching or storing it again).
   */
  locate (digest: Uint8Array, fresh: boolean | 'recent' = true): Located | undefined {
    if (this.dirStamp === UNREAD) this.scan()
    const hit = this.findLoaded(digest)
    if (hit !== undefined || fresh === false) return hit
    if (fresh === 'recent' && msNow() - this.scannedAt < RECENT_MS) return undefined
    this.scan()
    return this.findLoaded(digest)
  }

  /** Forgets a pack that could not be read (another process merged or collected it): the next lookup reads the directory again. */
  forget (name: string): void {
    this.closeFd(name)
    this.packs.delete(name)
    this.dirStamp = UNREAD
  }

  /** A located block's bytes (undefined when its pack is gone: gc replaced it, look again). */
  read (at: Located): Buffer | undefined {
    if (at.pack === this.writer?.name && this.writer.unflushed(at.offset)) this.writer.flush()
    const fd = this.fd(at.pack)
    if (fd === undefined) return undefined
    const buf = Buffer.allocUnsafe(at.length)
    let got = 0
    try {
      while (got < at.length) {
        const n = fs.readSync(fd, buf, got, at.length - got, at.offset + got)
        if (n === 0) break
        got += n
      }
    } catch { return undefined }
    return got === at.length ? buf : buf.subarray(0, got)
  }

  private fd (name: string): number | undefined {
    let fd = this.fds.get(name)
    if (fd !== undefined) return fd
    const file = path.join(this.dir, `${name}.pack`)
    if (regularSize(file) === undefined) return undefined
    try { fd = fs.openSync(file, 'r') } catch { return undefined }
    this.fds.set(name, fd)
    return fd
  }

  private closeFd (name: string): void {
    const fd = this.fds.get(name)
    if (fd !== undefined) { try { fs.closeSync(fd) } catch {} }
    this.fds.delete(name)
  }

  /** Appends a block to this process's open pack (made on first use, sealed at exit if not before). */
  append (digest: Uint8Array, bytes: Uint8Array): void {
    if (this.writer === undefined) {
      fs.mkdirSync(this.dir, { recursive: true })
      this.writer = new Writer(this.dir, newPackName())
      sealAtExit(this)
    }
    this.writer.append(digest, bytes)
    if (this.writer.full) this.seal()
  }

  /** Writes what this process appended out of memory: other processes can read it (by the open pack's log). */
  flush (): void {
    this.writer?.flush()
  }

  /** Seals the open pack: its index written, sorted; later writes go to a new pack. */
  seal (): void {
    const w = this.writer
    if (w === undefined) return
    this.writer = undefined
    unsealed.delete(this)
    const sorted = w.seal()
    this.packs.set(w.name, { name: w.name, sorted })
  }

  /** Every entry of every pack: digest, size, the pack and its modification time. */
  * entries (): Generator<{ digest: Buffer, length: number, pack: string }> {
    this.scan()
    if (this.writer !== undefined) for (const [hex, e] of this.writer.index.map) yield { digest: Buffer.from(hex, 'hex'), length: e.length, pack: this.writer.name }
    for (const p of this.packs.values()) {
      if (p.sorted !== undefined) for (const e of p.sorted.entries()) yield { digest: e.digest, length: e.length, pack: p.name }
      else if (p.open !== undefined) for (const [hex, e] of p.open.map) yield { digest: Buffer.from(hex, 'hex'), length: e.length, pack: p.name }
    }
  }

  /** The packs now (names), with whether each is sealed and its age. */
  list (): Array<{ name: string, sealed: boolean, mtimeMs: number }> {
    this.scan()
    const out: Array<{ name: string, sealed: boolean, mtimeMs: number }> = []
    for (const p of this.packs.values()) {
      let mtimeMs = 0
      try { mtimeMs = fs.statSync(path.join(this.dir, `${p.name}.pack`)).mtimeMs } catch {}
      out.push({ name: p.name, sealed: p.sorted !== undefined, mtimeMs })
    }
    return out
  }

  /**
   * Small packs (each command writes one) are merged once there are more
   * than `most` packs, so a lookup reads a few indexes, not hundreds. As
   * git repack --geometric=2 does: of the sealed packs under 64 MiB, the
   * smallest are merged, up to the first that holds at least twice what
   * all smaller ones hold together. The packs left then grow geometrically
   * (few of them), and a block is copied again only a few times over a
   * repository's life, not at every merge. One process merges at a time
   * (packs/merge.lock); a merge that meets a pack another merge removed
   * meanwhile skips it (that merge has its blocks).
   */
  consolidate (most = 8): number {
    this.scan()
    // (few packs: nothing to merge, and no pack need be looked at)
    if (this.packs.size <= most) return 0
    const small = this.list()
      .filter(p => p.sealed && p.name !== this.writer?.name)
      .map(p => ({ name: p.name, size: regularSize(path.join(this.dir, `${p.name}.pack`)) ?? Infinity }))
      .filter(p => p.size < 64 * 1024 * 1024)
      .sort((a, b) => a.size - b.size)
    // from the largest down, the packs kept: each at least twice all smaller ones together
    let below = small.reduce((sum, p) => sum + p.size, 0)
    let split = small.length
    for (let j = small.length - 1; j >= 0; j--) {
      below -= small[j].size
      if (small[j].size < 2 * below) break
      split = j
    }
    if (split < 2) return 0 // one pack merged alone would only be copied
    const merged = small.slice(0, split)
    const lock = path.join(this.dir, 'merge.lock')
    try {
      const st = fs.statSync(lock)
      if (Date.now() - st.mtimeMs < 10 * 60 * 1000) return 0 // another process merges
      fs.rmSync(lock, { force: true }) // left by a process that died
    } catch {}
    let fd: number
    try { fd = fs.openSync(lock, 'wx') } catch { return 0 }
    try {
      this.seal()
      const names = merged.map(p => p.name)
      const seen = new Set<string>()
      for (const name of names) {
        const p = this.packs.get(name)
        if (p?.sorted === undefined) continue
        for (const e of p.sorted.entries()) {
          const hex = e.digest.toString('hex')
          if (seen.has(hex)) continue
          const bytes = this.read({ pack: name, offset: e.offset, length: e.length })
          if (bytes === undefined || bytes.byteLength !== e.length) continue
          seen.add(hex)
          this.append(e.digest, bytes)
        }
      }
      this.seal()
      this.remove(names)
      return names.length
    } finally {
      fs.closeSync(fd)
      fs.rmSync(lock, { force: true })
    }
  }

  /** Removes packs (after their live blocks were written elsewhere). */
  remove (names: Iterable<string>): void {
    for (const name of names) {
      this.closeFd(name)
      this.packs.delete(name)
      for (const ext of ['.idx', '.log', '.pack']) fs.rmSync(path.join(this.dir, name + ext), { force: true })
    }
  }

  close (): void {
    this.seal()
    for (const name of [...this.fds.keys()]) this.closeFd(name)
  }
}
