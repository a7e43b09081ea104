import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { Repo } from '../repo/repo.js'
import { Entry, readSymlink } from '../model/tree.js'
import { readFileContent } from '../model/file.js'
import { fail, asAcacheError } from '../errors.js'
import { ancestors } from './paths.js'

let tmpSeq = 0

/**
 * Makes sure every directory above `p` is a real directory inside the working
 * root, never a symlink (git's symlink attacks: a tree that makes `a` a link
 * to /etc and then writes `a/passwd`). A symlink or file in the way is
 * removed only when `replaceable` says it may be.
 */
export function ensureParents (repo: Repo, p: string, replaceable: (p: string) => boolean): void {
  const dirs = ancestors(p).filter(a => a !== '').reverse()
  for (const d of dirs) {
    const abs = path.join(repo.worktree, d)
    const st = fs.lstatSync(abs, { throwIfNoEntry: false })
    if (st?.isDirectory() === true) continue
    if (st !== undefined) {
      if (!replaceable(d)) fail('BAD_PATH', `refusing to write ${p}: ${d} is ${st.isSymbolicLink() ? 'a symlink' : 'a file'}, not a directory`)
      fs.rmSync(abs, { force: true })
    }
    fs.mkdirSync(abs)
  }
}

/** Writes one tree entry at `p` atomically (temporary file, then rename). */
export async function writeEntry (repo: Repo, p: string, e: Entry, replaceable: (p: string) => boolean = () => false): Promise<fs.Stats> {
  ensureParents(repo, p, replaceable)
  const abs = path.join(repo.worktree, p)
  const tmp = path.join(path.dirname(abs), `.acache-tmp-${process.pid}-${tmpSeq++}`)
  try {
    if (e.kind === 'symlink') {
      fs.symlinkSync(await readSymlink(repo.store, e.cid), tmp)
    } else if (e.kind === 'file' || e.kind === 'exec') {
      const out = fs.createWriteStream(tmp, { mode: e.kind === 'exec' ? 0o755 : 0o644 })
      await pipeline(Readable.from(readFileContent(repo.store, e.cid)), out)
    } else {
      fail('BUG', `writeEntry cannot write a ${e.kind}`)
    }
    const st = fs.lstatSync(abs, { throwIfNoEntry: false })
    if (st?.isDirectory() === true) {
      if (!replaceable(p)) fail('BAD_PATH', `refusing to replace directory ${p} with a file`)
      fs.rmSync(abs, { recursive: true, force: true })
    }
    fs.renameSync(tmp, abs)
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw asAcacheError(err)
  }
  return fs.lstatSync(abs)
}

/** Removes a file or symlink and any directories above it left empty. */
export function removeEntry (repo: Repo, p: string): void {
  // Never reach through a symlinked directory to delete what is outside.
  for (const d of ancestors(p)) {
    if (d === '') break
    if (fs.lstatSync(path.join(repo.worktree, d), { throwIfNoEntry: false })?.isDirectory() !== true) return
  }
  const abs = path.join(repo.worktree, p)
  const st = fs.lstatSync(abs, { throwIfNoEntry: false })
  if (st === undefined) return
  if (st.isDirectory()) return
  fs.rmSync(abs, { force: true })
  for (const d of ancestors(p)) {
    if (d === '') break
    try { fs.rmdirSync(path.join(repo.worktree, d)) } catch { break }
  }
}
