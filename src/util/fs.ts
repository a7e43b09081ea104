import fs from 'node:fs'
import path from 'node:path'
import { asAcacheError } from '../errors.js'

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
