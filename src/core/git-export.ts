import fs from 'node:fs'
import path from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { Commit, GitQuirk } from '../model/commit.js'
import { readLinks, kindOf, inspect, joinPath, ancestors, Kind } from '../model/tree.js'
import { readFileContent, readFileBytes, storedFileSize } from '../model/file.js'

/** A file up to this size is read whole to be written to git; a larger one is streamed. */
const SMALL_FILE = 4 * 1024 * 1024
import { EMPTY_TREE_ID, EMPTY_BLOB_ID, encodeGitTree, gitCommitLinks, synthesizeGitCommit, parseGitTag, lfsPointer, GitTreeEntry } from '../model/git.js'
import { GitBatch, GitObjectWriter, initGitRepository, updateGitRefs, lfsObjectPath, gitHasObjects } from '../remote/git.js'
import { GitMap, readGitTag } from '../repo/git-map.js'
import { trace } from '../util/trace.js'

export interface ExportOptions {
  /** branch names to export (all local branches when none) */
  branches?: string[]
  /** export tags too (default true) */
  tags?: boolean
  /** make a bare repository when DIR is new */
  bare?: boolean
}

export interface ExportResult {
  gitDir: string
  commits: number
  /** commits written from the git object they were imported from, byte for byte */
  original: number
  objects: number
  refs: Array<{ ref: string, git: string, commit: string }>
  /** empty directories, which git records as empty trees that no checkout makes */
  emptyDirs: number
}

/**
 * `export git DIR`: the branches and tags as a git repository. A commit that
 * came from git is written back as the very object it was (same ID); one made
 * in acache gets a git commit whose author is the signer's name and a stable
 * e-mail made of its did:key.
 */
export async function exportGit (repo: Repo, ctx: Ctx, target: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const dir = path.resolve(ctx.cwd, target)
  const fresh = !fs.existsSync(dir) || fs.readdirSync(dir).length === 0
  const gitDir = initGitRepository(dir, opts.bare === true)
  const exporter = new GitExporter(repo, gitDir)
  try {
    const heads = chooseHeads(repo, opts)
    await exporter.exportReachable(ctx, heads.map(([, c]) => c))
    const refs: Array<[string, string]> = []
    for (const [ref, cid] of heads) {
      const id = exporter.refTarget(ref, cid)
      refs.push([ref, id])
      exporter.result.refs.push({ ref, git: id, commit: cid.toString() })
    }
    exporter.finish()
    updateGitRefs(gitDir, refs)
    const branch = repo.refs.currentBranch()
    if (branch !== undefined && refs.some(([r]) => r === `refs/heads/${branch}`)) {
      spawnSync('git', ['--git-dir', gitDir, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`])
      if (fresh && opts.bare !== true) spawnSync('git', ['-C', dir, 'reset', '-q', '--hard'])
    }
    exporter.result.objects = exporter.writer.total
    return exporter.result
  } finally {
    exporter.close()
  }
}

function chooseHeads (repo: Repo, opts: ExportOptions): Array<[string, CID]> {
  let heads = repo.refs.list('refs/heads')
  if (opts.branches !== undefined && opts.branches.length > 0) {
    heads = opts.branches.map(b => {
      const c = repo.refs.read(`refs/heads/${b}`)
      if (c === undefined) fail('UNKNOWN_REVISION', `there is no branch ${b}`)
      return [`refs/heads/${b}`, c]
    })
  }
  if (opts.tags !== false) heads = [...heads, ...repo.refs.list('refs/tags')]
  if (heads.length === 0) fail('UNKNOWN_REVISION', 'there are no commits to export yet', { hint: 'commit first, or import some' })
  return heads
}

/** The commits reachable from `tips` and not `done`, each after its parents. */
export async function commitsInOrder (repo: Repo, tips: CID[], done: (cid: CID) => Promise<boolean>): Promise<Array<[CID, Commit]>> {
  const out: Array<[CID, Commit]> = []
  const state = new Map<string, 'open' | 'closed'>()
  const stack: Array<{ cid: CID, commit?: Commit, expanded: boolean }> = tips.map(cid => ({ cid, expanded: false }))
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    const k = top.cid.toString()
    if (!top.expanded) {
      if (state.has(k) || await done(top.cid)) { stack.pop(); if (!state.has(k)) state.set(k, 'closed'); continue }
      state.set(k, 'open')
      top.commit = await repo.readCommit(top.cid)
      top.expanded = true
      for (const p of [...top.commit.parents].reverse()) if (!state.has(p.toString())) stack.push({ cid: p, expanded: false })
      continue
    }
    stack.pop()
    if (state.get(k) === 'open') {
      state.set(k, 'closed')
      out.push([top.cid, top.commit!])
    }
  }
  return out
}

/**
 * Writes acache commits, their trees and files into a git repository as
 * git objects; what the map says was written there before is not written
 * again.
 */
export class GitExporter {
  readonly writer: GitObjectWriter
  readonly map: GitMap
  private readonly check: GitBatch
  readonly result: ExportResult
  private readonly treeMemo = new Map<string, string>()
  private readonly blobMemo = new Map<string, Promise<string>>()

  constructor (private readonly repo: Repo, readonly gitDir: string) {
    this.map = new GitMap(repo)
    this.writer = new GitObjectWriter(gitDir)
    this.check = new GitBatch(gitDir, true)
    this.result = { gitDir, commits: 0, original: 0, objects: 0, refs: [], emptyDirs: 0 }
  }

  /** Makes what was written readable by git (the pack indexed). */
  finish (): void {
    this.writer.finish()
  }

  /** Ends the run: what was not finished is dropped. */
  close (): void {
    this.writer.abandon()
    this.check.close()
    this.map.close()
  }

  /** Writes every commit reachable from `tips` that the repository lacks, parents first. */
  async exportReachable (ctx: Ctx, tips: CID[]): Promise<void> {
    await this.prime()
    const order = await commitsInOrder(this.repo, tips, async (cid) => await this.alreadyThere(cid))
    trace(`git: ${order.length} commits to export`)
    ctx.progress.start('exporting commits', order.length, 'commits')
    for (const [cid, c] of order) {
      await this.commit(cid, c)
      ctx.progress.tick()
      if (this.result.commits % 256 === 0) this.map.flush()
    }
    ctx.progress.done()
    this.map.flush()
  }

  /** The git object a ref names: the commit's, or for a tag imported annotated, that tag object (written now). */
  refTarget (ref: string, cid: CID): string {
    const id = this.map.commitIds.get(cid.toString())
    if (id === undefined) fail('BUG', `commit ${cid} was not exported`)
    if (!ref.startsWith('refs/tags/')) return id
    const tag = readGitTag(this.repo, ref.slice('refs/tags/'.length))
    return tag !== undefined && parseGitTag(tag.body, tag.id).object === id ? this.writer.write('tag', tag.body) : id
  }

  /** Whether the repository holds the object (git answers yes for the empty tree and blob it holds none of: those are written). */
  /** The repository had no objects when the run began: nothing needs asking about. */
  private empty = false
  /** the mapped commits the repository holds, asked for all at once */
  private presentCommits = new Set<string>()

  private async prime (): Promise<void> {
    this.empty = !gitHasObjects(this.gitDir)
    if (this.empty) return
    const ids = [...this.map.commitIds.values()]
    const found = await Promise.all(ids.map(async id => (await this.check.get(id)) !== undefined))
    this.presentCommits = new Set(ids.filter((_, i) => found[i]))
  }

  /** Whether the repository holds an object (git answers yes for the empty tree and blob it holds none of: those are written). */
  private async has (id: string | undefined): Promise<boolean> {
    if (id === undefined || this.empty || id === EMPTY_TREE_ID || id === EMPTY_BLOB_ID) return false
    return (await this.check.get(id)) !== undefined
  }

  /** Whether this commit was exported before and its object is in the repository. */
  async alreadyThere (cid: CID): Promise<boolean> {
    const id = this.map.commitIds.get(cid.toString())
    return id !== undefined && this.presentCommits.has(id)
  }

  async commit (cid: CID, c: Commit): Promise<void> {
    const quirks = c.git?.quirks ?? []
    const tree = await this.tree(c.tree, undefined, '', quirkDirs(quirks), quirks)
    const parents = c.parents.map(p => {
      const id = this.map.commitIds.get(p.toString())
      if (id === undefined) fail('MISSING_OBJECT', `commit ${cid}'s parent ${p} has no git commit yet`)
      return id
    })
    let id: string
    if (c.git !== undefined) {
      const links = gitCommitLinks(c.git.object)
      if (links.tree !== tree || links.parents.join() !== parents.join()) {
        fail('BAD_OBJECT', `commit ${cid} was imported from git ${c.git.id}, but its tree or parents are not what that git commit names (tree ${tree}, not ${links.tree})`, { hint: 'the git commit cannot be written back as it was; this is a bug in the import, or the commit was forged' })
      }
      id = this.writer.write('commit', c.git.object)
      this.result.original++
    } else {
      id = this.writer.write('commit', synthesizeGitCommit({ tree, parents, name: c.author.name, did: c.author.key, time: c.time, message: c.message }))
    }
    this.map.noteCommit(id, cid)
    this.result.commits++
  }

  private async tree (cid: CID, tsize: number | undefined, dir: string, inQuirks: Set<string>, quirks: GitQuirk[]): Promise<string> {
    const k = cid.toString()
    const plain = !inQuirks.has(dir)
    if (plain) {
      const hit = this.treeMemo.get(k)
      if (hit !== undefined) return hit
      const known = this.map.treeIds.get(k)
      if (await this.has(known)) { this.treeMemo.set(k, known!); return known! }
    }
    const entries: GitTreeEntry[] = []
    // links alone: what each entry is comes from what was written before, and is read only when new
    const links = await readLinks(this.repo.store, cid, dir)
    if (links.size === 0 && dir !== '') this.result.emptyDirs++
    const jobs: Array<Promise<void>> = []
    for (const [name, l] of links) {
      const p = joinPath(dir, name)
      const lk = l.cid.toString()
      const dirId = inQuirks.has(p) ? undefined : this.treeMemo.get(lk)
      if (dirId !== undefined) { entries.push({ mode: '40000', name, id: dirId }); continue }
      const done = this.blobDone.get(lk)
      if (done !== undefined) { entries.push({ mode: done.mode, name, id: done.id }); continue }
      jobs.push((async () => {
        const kind = await kindOf(this.repo.store, l.cid)
        if (kind === 'dir') entries.push({ mode: '40000', name, id: await this.tree(l.cid, l.tsize, p, inQuirks, quirks) })
        else entries.push({ mode: kind === 'symlink' ? '120000' : kind === 'exec' ? '100755' : '100644', name, id: await this.blob(l.cid, kind) })
      })())
    }
    await Promise.all(jobs)
    if (!plain) {
      for (const q of quirks) {
        const slash = q.path.lastIndexOf('/')
        if ((slash < 0 ? '' : q.path.slice(0, slash)) !== dir) continue
        const name = q.path.slice(slash + 1)
        const at = entries.findIndex(e => e.name === name)
        if (q.mode === '160000') { if (at < 0) entries.push({ mode: q.mode, name, id: q.id }) } else if (at >= 0) entries[at] = { ...entries[at], mode: q.mode }
      }
    }
    const id = this.writer.write('tree', encodeGitTree(entries))
    if (plain) {
      this.treeMemo.set(k, id)
      if (tsize !== undefined) this.map.noteTree(id, { cid, tsize })
    }
    return id
  }

  private async symlink (cid: CID): Promise<string> {
    const info = await inspect(this.repo.store, cid)
    return this.writer.write('blob', info.unixfs?.data ?? new Uint8Array())
  }

  /** files and links written: CID -> git blob ID and mode */
  private readonly blobDone = new Map<string, { id: string, mode: string }>()

  private async blob (cid: CID, kind: Kind): Promise<string> {
    const k = cid.toString()
    let got = this.blobMemo.get(k)
    if (got === undefined) {
      got = (kind === 'symlink' ? this.symlink(cid) : this.writeBlob(cid)).then(id => {
        this.blobDone.set(k, { id, mode: kind === 'symlink' ? '120000' : kind === 'exec' ? '100755' : '100644' })
        return id
      })
      this.blobMemo.set(k, got)
    }
    return await got
  }

  private async writeBlob (cid: CID): Promise<string> {
    const known = this.map.blobIds.get(cid.toString())
    if (known !== undefined && await this.has(known.id)) return known.id
    const size = await storedFileSize(this.repo.store, cid)
    if (known?.lfs === true) {
      // the file came from a git-lfs object: its pointer goes to git, its content to git-lfs's store
      const hash = createHash('sha256')
      const file = lfsObjectPath(this.gitDir, '0'.repeat(64))
      const tmp = path.join(path.dirname(path.dirname(path.dirname(file))), `tmp-${randomBytes(8).toString('hex')}`)
      fs.mkdirSync(path.dirname(tmp), { recursive: true })
      const fd = fs.openSync(tmp, 'w')
      try {
        for await (const chunk of readFileContent(this.repo.store, cid)) { hash.update(chunk); fs.writeSync(fd, chunk) }
      } finally { fs.closeSync(fd) }
      const oid = hash.digest('hex')
      const dest = lfsObjectPath(this.gitDir, oid)
      fs.mkdirSync(path.dirname(dest), { recursive: true })
      fs.renameSync(tmp, dest)
      return this.writer.write('blob', lfsPointer({ oid, size }))
    }
    if (size <= SMALL_FILE) return this.writer.write('blob', await readFileBytes(this.repo.store, cid, SMALL_FILE))
    return await this.writer.writeStream('blob', size, readFileContent(this.repo.store, cid))
  }
}

/** Every directory that holds a quirk somewhere below it: its git tree differs from what its acache tree alone gives. */
function quirkDirs (quirks: GitQuirk[]): Set<string> {
  const out = new Set<string>()
  for (const q of quirks) for (const a of ancestors(q.path)) out.add(a)
  return out
}
