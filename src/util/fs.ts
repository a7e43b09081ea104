import fs from 'node:fs'
import path from 'node:path'
import { AcacheError, asAcacheError } from '../errors.js'

let seq = 0

/**
 * Replaces `file` with `data` so that a reader (or a process killed at any
 * moment) sees either the old or the new content, never a mix: write a
 * temporary file, fsync it, rename it over, fsync the directory.
 */
export function writeFileAtomic (file: string, data: string | Uint8Array | Uint8Array[], opts: { mode?: number, fsync?: boolean } = {}): void {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${seq++}`)
  try {
    const fd = fs.openSync(tmp, 'w', opts.mode ?? 0o644)
    try {
      // parts are written one after another (no copy into one buffer), each to its end
      for (const part of typeof data === 'string' ? [Buffer.from(data, 'utf8')] : Array.isArray(data) ? data : [data]) {
        for (let o = 0; o < part.byteLength;) o += fs.writeSync(fd, part, o, part.byteLength - o)
      }
      if (opts.fsync !== false) fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
  } catch (err) {
    try { fs.rmSync(tmp, { force: true }) } catch {}
    throw asAcacheError(err)
  }
  if (opts.fsync !== false) fsyncDir(dir)
}

export function fsyncDir (dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r')
    try { fs.fsyncSync(fd) } finally { fs.closeSync(fd) }
  } catch { /* some file systems cannot fsync a directory */ }
}

export function readTextIfExists (file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw err
  }
}

/**
 * Reads a file that comes from someone else (a friend's published head, a
 * tracked settings file) only if it is a regular file of at most `cap`
 * bytes: never through a symlink, never a FIFO or device (opened without
 * blocking, checked before reading), never more than `cap` bytes. Undefined
 * when there is no such file (or it is not a regular one, with `strict`
 * false); a TOO_LARGE error when it is larger.
 */
export function readRegularFile (file: string, cap: number, what = file, strict = true): Buffer | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    if (code === 'ELOOP' || code === 'ENXIO') {
      if (!strict) return undefined
      throw new AcacheError('BAD_INPUT', `${what} is not a regular file (a symlink or special file); refusing to read it`, { data: { file } })
    }
    throw asAcacheError(err)
  }
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) {
      if (!strict) return undefined
      throw new AcacheError('BAD_INPUT', `${what} is not a regular file; refusing to read it`, { data: { file } })
    }
    if (st.size > cap) throw new AcacheError('TOO_LARGE', `${what} is ${st.size} bytes, over the ${cap}-byte limit`, { data: { file, limit: cap } })
    const buf = Buffer.alloc(Math.min(st.size, cap) + 1)
    let n = 0
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.byteLength - n, null)
      if (r === 0) break
      n += r
      if (n > cap) throw new AcacheError('TOO_LARGE', `${what} is over the ${cap}-byte limit`, { data: { file, limit: cap } })
      if (n === buf.byteLength) break
    }
    return buf.subarray(0, n)
  } finally {
    fs.closeSync(fd)
  }
}

/** Removes the entries of `dir` last changed before `time`. */
export function removeOlderThan (dir: string, time: number): void {
  let names: string[] = []
  try { names = fs.readdirSync(dir) } catch { return }
  for (const n of names) {
    const p = path.join(dir, n)
    try { if (fs.statSync(p).mtimeMs <= time) fs.rmSync(p, { recursive: true, force: true }) } catch {}
  }
}
