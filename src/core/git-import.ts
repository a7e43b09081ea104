import fs from 'node:fs'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { Repo, checkBranchName } from '../repo/repo.js'
import { Ctx } from '../context.js'
import { fail } from '../errors.js'
import { requireIdentity, Identity } from '../identity/identity.js'
import { OwnershipChecker, failOwnership } from '../services/ownership.js'
import { OWNERS_FILE } from '../model/owners.js'
import { admitDirectoryNames } from '../accept/arrival.js'
import { signCommit, GitQuirk } from '../model/commit.js'
import { checkName, joinPath, writeDirectory, symlinkBlock, Node, Kind } from '../model/tree.js'
import { storeBytes, PROFILE_LAYOUT } from '../model/file.js'
import { ChunkerName } from '../model/chunker.js'
import { parseGitCommit, parseGitTree, parseGitTag, parseLfsPointer, gitMessageText, GitTreeEntry, GitCommitInfo } from '../model/git.js'
import { GitBatch, resolveGitDir, listGitRefs, gitCommitsToImport, lfsObjectPath, GitRef } from '../remote/git.js'
import { GitMap, saveGitTag } from '../repo/git-map.js'
import { parseAttributes, chunkerIn, ATTRIBUTES_FILE } from '../worktree/attributes.js'
import { trace } from '../util/trace.js'

export interface ImportOptions {
  /** branch names to import (all when none) */
  branches?: string[]
  /** import tags too */
  tags?: boolean
  /** keep git-lfs pointer files as they are, never their content */
  lfsPointers?: boolean
  /** move an acache branch that has commits of its own (not from this import) */
  force?: boolean
}

export interface ImportedRef { ref: string, git: string, commit: string, old?: string, annotated?: boolean }

export interface ImportResult {
  gitDir: string
  commits: number
  skipped: number
  refs: ImportedRef[]
  /** submodules (gitlinks) seen: recorded in the commit's git origin, not checked out */
  submodules: string[]
  /** files stored from their git-lfs objects (and pointers whose objects were not here) */
  lfs: { stored: number, missing: string[] }
  /** refs that name no commit (a tag of a tree or a blob), left out */
  leftOut: string[]
  /** the commit checked out into an empty working root (its branch was unborn) */
  checkedOut?: string
}

interface Converted { node: Node, quirks: GitQuirk[], entry: Node & { kind: Kind } }

/**
 * `import git [GITDIR]`: every commit reachable from the chosen branches
 * (and tags) becomes a signed acache commit with the same tree and the same
 * parents, in git's order; the git object itself is kept in the commit, so
 * `export git` gives back the same IDs. What was imported before (the map
 * in .acache/git/map) is not imported again.
 */
export async function importGit (repo: Repo, ctx: Ctx, source: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const head = repo.root === undefined ? undefined : repo.readHead()
  // an unborn branch the import fills is checked out (untracked files in the way stop it, as switch does)
  const unborn = head?.ref?.startsWith('refs/heads/') === true && head.cid === undefined ? head.ref : undefined
  const result = await importLocked(repo, ctx, source, opts, unborn)
  const born = result.refs.find(r => r.ref === unborn)
  if (born !== undefined) {
    // checked out first, the branch made after: a checkout that stops leaves the branch unborn
    const release = repo.lock()
    try {
      const cid = CID.parse(born.commit)
      const { checkoutTree } = await import('../worktree/checkout.js')
      const r = await checkoutTree(repo, undefined, (await repo.readCommit(cid)).tree, false, 'move them aside, then import again')
      repo.writeRef(born.ref, cid, `import: from git ${result.gitDir}`)
      r.cache.save(repo)
      result.checkedOut = born.commit
    } finally {
      release()
    }
  }
  return result
}

async function importLocked (repo: Repo, ctx: Ctx, source: string, opts: ImportOptions, unborn: string | undefined): Promise<ImportResult> {
  const gitDir = resolveGitDir(source)
  const release = repo.lock()
  const imp = new GitImporter(repo, ctx, gitDir, opts)
  try {
    const tips = await imp.resolve(chooseRefs(gitDir, opts))
    await imp.importReachable([...tips.values()].map(t => t.commit))
    const { map, result } = imp
    repo.why = `import: from git ${gitDir}`
    for (const [name, t] of tips) {
      const cid = map.commits.get(t.commit)!
      const short = name.replace(/^refs\/(heads|tags)\//, '')
      const ref = name.startsWith('refs/tags/') ? `refs/tags/${short}` : `refs/heads/${short}`
      checkBranchName(short)
      const old = repo.readRef(ref)
      if (old !== undefined && !old.equals(cid) && opts.force !== true && !(await importedBefore(map, repo, old, cid))) {
        fail('EXISTS', `${ref.replace('refs/heads/', 'branch ').replace('refs/tags/', 'tag ')} already exists here and holds commits the git ${short} does not`, { hint: 'import with --force to move it, or name the branches to import with --branches' })
      }
      if (ref !== unborn) repo.writeRef(ref, cid)
      if (t.tag !== undefined) saveGitTag(repo, short, t.tag.id, t.tag.body)
      result.refs.push({ ref, git: t.commit, commit: cid.toString(), old: old?.equals(cid) === false ? old.toString() : undefined, annotated: t.tag !== undefined ? true : undefined })
    }
    await repo.store.settle([...tips.values()].map(t => map.commits.get(t.commit)!))
    return result
  } finally {
    imp.close()
    release()
  }
}

export interface GitTip { commit: string, tag?: { id: string, body: Buffer } }

/**
 * Imports git commits into a repository (whose lock the caller holds):
 * resolve refs to the commits they name, then import what is reachable
 * from them and not imported before, parents first. Each commit is signed
 * by the importer and checked against the ownership rules in force, as a
 * commit made here is.
 */
export class GitImporter {
  readonly map: GitMap
  readonly git: GitBatch
  readonly result: ImportResult
  private readonly conv: Converter
  private readonly id: Identity

  constructor (private readonly repo: Repo, private readonly ctx: Ctx, readonly gitDir: string, opts: ImportOptions = {}) {
    this.id = requireIdentity(ctx.home)
    this.map = new GitMap(repo)
    this.git = new GitBatch(gitDir)
    this.result = { gitDir, commits: 0, skipped: 0, refs: [], submodules: [], lfs: { stored: 0, missing: [] }, leftOut: [] }
    this.conv = new Converter(repo, this.git, this.map, gitDir, opts.lfsPointers === true, this.result)
  }

  close (): void {
    this.git.close()
    this.map.close()
    this.result.submodules = [...new Set(this.result.submodules)].sort()
  }

  /** What each ref names, an annotated tag peeled to its commit; refs to trees or blobs are left out (and listed). */
  async resolve (refs: Array<{ name: string, id: string }>): Promise<Map<string, GitTip>> {
    const tips = new Map<string, GitTip>()
    for (const r of refs) {
      let obj = r.id
      let tag: { id: string, body: Buffer } | undefined
      for (let depth = 0; depth < 8; depth++) {
        const o = await this.git.get(obj)
        if (o === undefined) fail('MISSING_OBJECT', `${r.name} names ${obj}, which ${this.gitDir} does not have`)
        if (o.type !== 'tag') break
        tag ??= { id: obj, body: o.body }
        obj = parseGitTag(o.body, obj).object
      }
      const t = (await this.git.get(obj))?.type
      if (t !== 'commit') { this.result.leftOut.push(`${r.name} (a ${t ?? 'missing object'})`); continue }
      tips.set(r.name, { commit: obj, tag })
    }
    return tips
  }

  /** Imports every commit reachable from `tips` that is not imported yet. */
  async importReachable (tips: string[]): Promise<void> {
    const { map, result, git, ctx, repo, id } = this
    trace('git: map read')
    // the map is a memory, not the truth: what gc took since is imported again
    for (const [g, c] of [...map.commits]) if (!(await repo.store.has(c))) map.commits.delete(g)
    trace('git: map checked')
    const todo = gitCommitsToImport(this.gitDir, [...new Set(tips)], map.commits.keys())
    trace(`git: ${todo.length} commits to import`)
    const owners = new OwnershipChecker(repo.store)
    // which imported commits' root trees hold .acacheowners (its blob ID, '' for none): with none
    // in the commit and its parents there is nothing to check, as OwnershipChecker itself concludes
    const ownersFile = new Map<string, string>()
    // the next commits are read and their trees converted ahead of their turn (git answers, and
    // blocks are written, while this one is checked and signed); each is signed in order
    interface Prepared { body: Buffer, info: GitCommitInfo, tree: Node, quirks: GitQuirk[], owners: string }
    const prepare = async (gid: string): Promise<Prepared> => {
      const body = await git.read(gid, 'commit', 'a commit')
      const info = parseGitCommit(body, gid)
      const quirks: GitQuirk[] = []
      const root = await this.conv.rootEntries(info.tree, gid)
      const chunker = await this.conv.chunkerOf(root)
      const tree = await this.conv.tree(info.tree, '', chunker, quirks, gid)
      return { body, info, tree, quirks, owners: root.find(e => e.name === OWNERS_FILE)?.id ?? '' }
    }
    const ahead = new Map<string, Promise<Prepared>>()
    const AHEAD = 8
    ctx.progress.start('importing commits', todo.length, 'commits')
    for (const [i, gid] of todo.entries()) {
      if (map.commits.has(gid)) { result.skipped++; ctx.progress.tick(); continue }
      for (let j = i; j < Math.min(todo.length, i + AHEAD); j++) {
        if (ahead.has(todo[j]) || map.commits.has(todo[j])) continue
        const p = prepare(todo[j])
        p.catch(() => {}) // a later commit's failure is reported when its turn comes
        ahead.set(todo[j], p)
      }
      const { body, info, tree, quirks, owners: ownersBlob } = await ahead.get(gid)!
      ahead.delete(gid)
      const parents = info.parents.map(p => {
        const c = map.commits.get(p)
        if (c === undefined) fail('MISSING_OBJECT', `git commit ${gid}'s parent ${p} was not imported (a shallow repository?)`, { hint: 'import from a full clone: git fetch --unshallow' })
        return c
      })
      ownersFile.set(gid, ownersBlob)
      const plain = ownersFile.get(gid) === '' && info.parents.every(p => ownersFile.get(p) === '')
      if (parents.length > 0 && !plain) {
        const violations = await owners.check(tree.cid, parents, id.key, `git ${gid.slice(0, 12)}`)
        if (violations.length > 0) failOwnership(violations)
      }
      const time = new Date((info.committer?.when ?? 0) * 1000)
      const { bytes, cid } = signCommit({
        type: 'acache/commit',
        version: 1,
        tree: tree.cid,
        parents,
        author: { key: id.key, name: id.name },
        time: Number.isNaN(time.getTime()) ? new Date(0).toISOString() : time.toISOString(),
        message: gitMessageText(info),
        git: quirks.length > 0 ? { id: gid, object: body, quirks } : { id: gid, object: body }
      }, id.secretKey)
      await repo.store.put(cid, bytes)
      if (parents.length === 0) repo.addKnownRoots([cid])
      map.noteCommit(gid, cid)
      result.commits++
      if (result.commits % 256 === 0) map.flush()
      ctx.progress.tick()
    }
    ctx.progress.done()
    map.flush()
    trace('git: commits imported')
  }
}

/** Whether `old` is an ancestor of `cid` by the map's commits (an earlier import of the same branch). */
async function importedBefore (map: GitMap, repo: Repo, old: CID, cid: CID): Promise<boolean> {
  if (!map.commitIds.has(old.toString())) return false
  const seen = new Set<string>()
  const stack = [cid]
  while (stack.length > 0) {
    const c = stack.pop()!
    const k = c.toString()
    if (k === old.toString()) return true
    if (seen.has(k)) continue
    seen.add(k)
    stack.push(...(await repo.readCommit(c)).parents)
  }
  return false
}

function chooseRefs (gitDir: string, opts: ImportOptions): GitRef[] {
  const heads = listGitRefs(gitDir, ['refs/heads'])
  let chosen = heads
  if (opts.branches !== undefined && opts.branches.length > 0) {
    chosen = []
    for (const b of opts.branches) {
      const r = heads.find(h => h.name === `refs/heads/${b}`)
      if (r === undefined) fail('UNKNOWN_REVISION', `${gitDir} has no branch ${b}`, { hint: `its branches: ${heads.map(h => h.name.slice(11)).join(', ') || '(none)'}` })
      chosen.push(r)
    }
  }
  if (opts.tags === true) chosen = [...chosen, ...listGitRefs(gitDir, ['refs/tags'])]
  if (chosen.length === 0) fail('UNKNOWN_REVISION', `${gitDir} has no branches to import`)
  return chosen
}

/** git trees and blobs to acache trees and files, each converted once. */
class Converter {
  private readonly treeMemo = new Map<string, Converted>()
  constructor (private readonly repo: Repo, private readonly git: GitBatch, private readonly map: GitMap, private readonly gitDir: string, private readonly keepPointers: boolean, private readonly result: ImportResult) {}

  private readonly entriesMemo = new Map<string, GitTreeEntry[]>()
  /** names the tree-entry rule allowed already (the rule depends on the name alone) */
  private readonly allowedNames = new Set<string>()

  /** A tree's entries, checked by admitGitTree (each tree read and checked once). */
  async entries (treeId: string, dir: string, commit: string): Promise<GitTreeEntry[]> {
    let entries = this.entriesMemo.get(treeId)
    if (entries === undefined) {
      entries = parseGitTree(await this.git.read(treeId, 'tree', `the tree of ${dir === '' ? 'the root' : dir}`), treeId)
      admitGitTree(entries, dir, commit, this.allowedNames)
      // only root trees are asked for again (the next commit's check of .acacheowners); keep the last few
      if (dir === '') {
        if (this.entriesMemo.size > 64) this.entriesMemo.clear()
        this.entriesMemo.set(treeId, entries)
      }
    }
    return entries
  }

  async rootEntries (treeId: string, commit: string): Promise<GitTreeEntry[]> {
    return await this.entries(treeId, '', commit)
  }

  /** The chunker a root tree's own .acacheattributes names. */
  async chunkerOf (entries: GitTreeEntry[]): Promise<ChunkerName> {
    const a = entries.find(e => e.name === ATTRIBUTES_FILE && e.mode.startsWith('100'))
    if (a === undefined) return 'fixed'
    const body = await this.git.read(a.id, 'blob', ATTRIBUTES_FILE)
    try { return chunkerIn(parseAttributes(body.subarray(0, 65536).toString('utf8'))) } catch { return 'fixed' }
  }

  /**
   * A git tree as an acache tree. `quirks` gets what the acache tree cannot
   * hold (submodules, odd modes), in the tree's own order whatever order the
   * conversions finish in: they are part of the commit, so of its CID.
   */
  async tree (treeId: string, dir: string, chunker: ChunkerName, quirks: GitQuirk[], commit: string): Promise<Node> {
    const key = chunker === 'fixed' ? treeId : `${treeId} ${chunker}`
    const memo = this.treeMemo.get(key)
    if (memo !== undefined) {
      for (const q of memo.quirks) quirks.push({ ...q, path: joinPath(dir, q.path) })
      return memo.node
    }
    if (chunker === 'fixed') {
      const known = this.map.trees.get(treeId)
      if (known !== undefined && await this.repo.store.has(known.cid)) return known
    }
    const entries = await this.entries(treeId, dir, commit)
    const kids = new Map<string, Node & { kind: Kind }>()
    const each: GitQuirk[][] = entries.map(() => [])
    const jobs: Array<Promise<void>> = []
    for (const [i, e] of entries.entries()) {
      // what was converted before is taken at once; only the rest waits
      const hit = this.known(e, chunker)
      if (hit !== undefined) { kids.set(e.name, hit); continue }
      jobs.push(this.entry(e, dir, chunker, each[i], commit).then(n => { if (n !== undefined) kids.set(e.name, n) }))
    }
    await Promise.all(jobs)
    const own = each.flat()
    const node = await writeDirectory(this.repo.store, kids)
    const rel = own.map(q => ({ ...q, path: dir === '' ? q.path : q.path.slice(dir.length + 1) }))
    this.treeMemo.set(key, { node, quirks: rel, entry: { ...node, kind: 'dir' } })
    if (own.length === 0 && chunker === 'fixed') this.map.noteTree(treeId, node)
    quirks.push(...own)
    return node
  }

  /** An entry converted before (a plain file, link or a directory without quirks), without waiting. */
  private known (e: GitTreeEntry, chunker: ChunkerName): (Node & { kind: Kind }) | undefined {
    if (e.mode === '40000') {
      const m = this.treeMemo.get(chunker === 'fixed' ? e.id : `${e.id} ${chunker}`)
      return m !== undefined && m.quirks.length === 0 ? m.entry : undefined
    }
    const kind = e.mode === '100644' ? 'f' : e.mode === '100755' ? 'x' : e.mode === '120000' ? 'l' : undefined
    return kind === undefined ? undefined : this.blobDone.get(e.id)?.[chunker === 'fixed' ? kind : `${kind}.${chunker}`]
  }

  private async entry (e: GitTreeEntry, dir: string, chunker: ChunkerName, quirks: GitQuirk[], commit: string): Promise<(Node & { kind: Kind }) | undefined> {
    const p = joinPath(dir, e.name)
    if (e.mode === '40000') return { ...(await this.tree(e.id, p, chunker, quirks, commit)), kind: 'dir' }
    if (e.mode === '160000') {
      quirks.push({ path: p, mode: e.mode, id: e.id })
      this.result.submodules.push(p)
      return undefined
    }
    const mode = parseInt(e.mode, 8)
    if (e.mode === '120000') return { ...(await this.blob(e.id, 'l', chunker, p)), kind: 'symlink' }
    const exec = (mode & 0o111) !== 0
    if (e.mode !== '100644' && e.mode !== '100755') quirks.push({ path: p, mode: e.mode, id: e.id })
    const node = await this.blob(e.id, exec ? 'x' : 'f', chunker, p)
    return { ...node, kind: exec ? 'exec' : 'file' }
  }

  private blobKey (gid: string, kind: string, chunker: ChunkerName): string {
    return `${gid} ${kind} ${chunker}`
  }

  /** blobs converted: git ID -> (kind, with the chunker unless fixed) -> the tree entry, ready to use */
  private readonly blobDone = new Map<string, Record<string, Node & { kind: Kind }>>()
  private readonly blobMemo = new Map<string, Promise<Node>>()

  private async blob (gid: string, kind: 'f' | 'x' | 'l', chunker: ChunkerName, p: string): Promise<Node> {
    const key = this.blobKey(gid, kind, chunker)
    const sub = chunker === 'fixed' ? kind : `${kind}.${chunker}`
    const done = this.blobDone.get(gid)?.[sub]
    if (done !== undefined) return done
    let got = this.blobMemo.get(key)
    if (got === undefined) {
      got = this.convertBlob(gid, kind, chunker, p).then(n => {
        const kinds = this.blobDone.get(gid) ?? {}
        kinds[sub] = { ...n, kind: kind === 'f' ? 'file' : kind === 'x' ? 'exec' : 'symlink' }
        this.blobDone.set(gid, kinds)
        this.blobMemo.delete(key) // known from here on by blobDone
        return n
      })
      this.blobMemo.set(key, got)
    }
    return await got
  }

  private async convertBlob (gid: string, kind: 'f' | 'x' | 'l', chunker: ChunkerName, p: string): Promise<Node> {
    // the map's kinds: f x l, p P (an LFS object's content), with ".cdc" for files cut by FastCDC
    const as = (k: string): string => chunker === 'fixed' || k === 'l' ? k : `${k}.${chunker}`
    const pointerKind = kind === 'x' ? 'P' : 'p'
    const known = this.map.blob(gid, as(kind)) ?? (this.keepPointers ? undefined : this.map.blob(gid, as(pointerKind)))
    if (known !== undefined && await this.repo.store.has(known.cid)) return known
    const body = await this.git.read(gid, 'blob', p)
    if (kind === 'l') {
      const { cid, bytes } = await symlinkBlock(body)
      await this.repo.store.put(cid, bytes)
      const node = { cid, tsize: bytes.byteLength }
      this.map.noteBlob(gid, kind, node)
      return node
    }
    const ptr = this.keepPointers ? undefined : parseLfsPointer(body)
    if (ptr !== undefined) {
      const content = readLfsObject(lfsObjectPath(this.gitDir, ptr.oid), ptr.oid, ptr.size)
      if (content !== undefined) {
        const node = await storeBytes(this.repo.store, content, kind === 'x', PROFILE_LAYOUT, chunker)
        this.result.lfs.stored++
        this.map.noteBlob(gid, as(pointerKind), node)
        return node
      }
      this.result.lfs.missing.push(p)
    }
    const node = await storeBytes(this.repo.store, body, kind === 'x', PROFILE_LAYOUT, chunker)
    this.map.noteBlob(gid, as(kind), node)
    return node
  }
}

/**
 * What a git tree must be to become an acache tree: each entry a file, an
 * executable, a symlink, a directory or a submodule; each name one the
 * tree-entry rule allows (never .acache or .git in any spelling); no two
 * names one file on a case-insensitive file system. The same rules a tree
 * fetched from a friend meets (accept/rules.ts).
 */
export function admitGitTree (entries: GitTreeEntry[], dir: string, commit: string, allowed?: Set<string>): void {
  for (const e of entries) {
    if (allowed?.has(e.name) === true && /^(40000|100644|100755)$/.test(e.mode)) continue
    const p = joinPath(dir, e.name)
    try {
      checkName(e.name, dir === '' ? 'the root directory' : dir)
    } catch (err) {
      fail('BAD_TREE_ENTRY', `git commit ${commit} has ${JSON.stringify(p)}, which acache cannot record: ${(err as Error).message}`)
    }
    if (!/^(40000|160000|120000|100[0-7]{3})$/.test(e.mode)) fail('BAD_TREE_ENTRY', `git commit ${commit} has ${JSON.stringify(p)} with mode ${e.mode}, which is no file, link, directory or submodule`)
    if (allowed !== undefined && allowed.size < 100_000) allowed.add(e.name)
  }
  admitDirectoryNames(entries.map(e => e.name), `git commit ${commit}'s ${dir === '' ? 'root directory' : JSON.stringify(dir)}`)
}

/** An LFS object's content when it is here and is what its pointer says (its SHA-256 and size). */
function readLfsObject (file: string, oid: string, size: number): Buffer | undefined {
  let st: fs.Stats
  try { st = fs.lstatSync(file) } catch { return undefined }
  if (!st.isFile() || st.size !== size) return undefined
  const bytes = fs.readFileSync(file)
  if (createHash('sha256').update(bytes).digest('hex') !== oid) return undefined
  return bytes
}
