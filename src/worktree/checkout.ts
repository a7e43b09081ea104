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

/** Writes an entry's content to a temporary file under .acache/tmp (same file system as the working root). */
async function stageEntry (repo: Repo, e: Entry): Promise<string> {
  const dir = repo.path('tmp')
  fs.mkdirSync(dir, { recursive: true })
  const tmp = path.join(dir, `checkout-${process.pid}-${tmpSeq++}`)
  try {
    if (e.kind === 'symlink') {
      fs.symlinkSync(await readSymlink(repo.store, e.cid), tmp)
    } else if (e.kind === 'file' || e.kind === 'exec') {
      const out = fs.createWriteStream(tmp, { mode: e.kind === 'exec' ? 0o755 : 0o644 })
      await pipeline(Readable.from(readFileContent(repo.store, e.cid)), out)
    } else {
      fail('BUG', `cannot check out a ${e.kind}`)
    }
  } catch (err) {
    fs.rmSync(tmp, { force: true })
    throw asAcacheError(err)
  }
  return tmp
}

function placeEntry (repo: Repo, p: string, tmp: string, replaceable: (p: string) => boolean): fs.Stats {
  ensureParents(repo, p, replaceable)
  const abs = path.join(repo.worktree, p)
  const st = fs.lstatSync(abs, { throwIfNoEntry: false })
  if (st?.isDirectory() === true) {
    if (!replaceable(p)) fail('BAD_PATH', `refusing to replace directory ${p} with a file`)
    fs.rmSync(abs, { recursive: true, force: true })
  }
  fs.renameSync(tmp, abs)
  return fs.lstatSync(abs)
}

/**
 * Changes the working root in two phases: first every new file is written to
 * a temporary place (reading every block it needs, each checked against its
 * CID); only when all of them are there are old files removed and new ones
 * renamed into place. A missing or corrupt block thus changes nothing.
 * Returns the stat of each written path and the time it was taken.
 */
export async function applyEntries (repo: Repo, writes: Map<string, Entry>, removals: Iterable<string>, replaceable: (p: string) => boolean): Promise<Map<string, { stat: fs.Stats, time: number }>> {
  removals = [...removals]
  for (const p of [...writes.keys(), ...removals]) checkNotPrivate(repo, p)
  const staged: Array<[string, string]> = []
  try {
    for (const [p, e] of writes) staged.push([p, await stageEntry(repo, e)])
  } catch (err) {
    for (const [, tmp] of staged) fs.rmSync(tmp, { force: true })
    throw err
  }
  for (const p of removals) removeEntry(repo, p)
  const out = new Map<string, { stat: fs.Stats, time: number }>()
  try {
    for (const [p, tmp] of staged) {
      const time = Date.now()
      out.set(p, { stat: placeEntry(repo, p, tmp, replaceable), time })
    }
  } finally {
    for (const [, tmp] of staged) fs.rmSync(tmp, { force: true })
  }
  return out
}

/**
 * Nothing a tree holds may be written where acache keeps secrets: with
 * $ACACHE_HOME inside the working root, a path in it (or one whose writing
 * would replace a directory holding it) is refused, whoever's tree it is.
 */
function checkNotPrivate (repo: Repo, p: string): void {
  for (const d of repo.privateDirs) {
    const rel = path.relative(repo.worktree, path.resolve(d)).split(path.sep).join('/')
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue
    if (p === rel || p.startsWith(rel + '/') || rel.startsWith(p + '/')) {
      fail('BAD_PATH', `refusing to write ${p}: it is inside $ACACHE_HOME (${d}), where your key is kept`, { data: { path: p }, hint: 'keep ACACHE_HOME outside the working root' })
    }
  }
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
