import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from './repo.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { cidText } from '../util/cid-text.js'

/**
 * What the git bridge knows of git objects and acache's CIDs, kept in
 * .acache/git/map, one line each, appended as import and export go (a
 * killed run leaves what it finished): `c GITID CID` a commit, `t GITID CID
 * TSIZE` a tree that maps both ways, `b GITID KIND CID TSIZE` a blob as a
 * file of that kind (f file, x exec, l symlink, p or P an LFS pointer, plain or
 * exec, whose object's content is stored; ".cdc" after the
 * kind when the file was cut by FastCDC). A line that does not parse is skipped: the map saves work, it
 * is never the only record of anything.
 */
export interface MappedNode { cid: CID, tsize: number }

/**
 * A map whose values are kept as the text the file holds and parsed when
 * first asked for: reading a map of a long history parses no CID it does
 * not use (an import of one new commit asks for a handful).
 */
export class LazyMap<V> {
  private readonly raw = new Map<string, string>()
  private readonly parsed = new Map<string, V>()
  constructor (private readonly parse: (text: string) => V) {}

  setText (k: string, text: string): void { this.raw.set(k, text); this.parsed.delete(k) }
  has (k: string): boolean { return this.raw.has(k) }
  delete (k: string): void { this.raw.delete(k); this.parsed.delete(k) }
  keys (): IterableIterator<string> { return this.raw.keys() }
  get size (): number { return this.raw.size }

  get (k: string): V | undefined {
    const hit = this.parsed.get(k)
    if (hit !== undefined) return hit
    const text = this.raw.get(k)
    if (text === undefined) return undefined
    const v = this.parse(text)
    this.parsed.set(k, v)
    return v
  }

  * [Symbol.iterator] (): IterableIterator<[string, V]> {
    for (const k of this.raw.keys()) yield [k, this.get(k)!]
  }
}

const node = (text: string): MappedNode => {
  const [cid, tsize] = text.split(' ')
  return { cid: CID.parse(cid), tsize: Number(tsize) }
}

export class GitMap {
  readonly commits = new LazyMap<CID>(t => CID.parse(t))
  /** CID -> git commit ID */
  readonly commitIds = new Map<string, string>()
  readonly trees = new LazyMap<MappedNode>(node)
  readonly treeIds = new Map<string, string>()
  private readonly blobs = new LazyMap<MappedNode>(node)
  /** CID -> git blob ID and whether the content is an LFS object behind a pointer */
  readonly blobIds = new LazyMap<{ id: string, lfs: boolean }>(t => { const [id, kind] = t.split(' '); return { id, lfs: kind.startsWith('p') || kind.startsWith('P') } })
  private readonly file: string
  private fd: number | undefined
  private pending: string[] = []

  constructor (repo: Repo) {
    this.file = repo.layout.git('map')
    const text = readTextIfExists(this.file) ?? ''
    for (const line of text.split('\n')) {
      const f = line.split(' ')
      if (f[0] === 'c' && f.length === 3) {
        this.commits.setText(f[1], f[2])
        this.commitIds.set(f[2], f[1])
      } else if (f[0] === 't' && f.length === 4) {
        this.trees.setText(f[1], `${f[2]} ${f[3]}`)
        this.treeIds.set(f[2], f[1])
      } else if (f[0] === 'b' && f.length === 5) {
        this.blobs.setText(`${f[1]} ${f[2]}`, `${f[3]} ${f[4]}`)
        this.blobIds.setText(f[3], `${f[1]} ${f[2]}`)
      }
    }
  }

  noteCommit (id: string, cid: CID): void {
    const c = cidText(cid)
    this.commits.setText(id, c)
    this.commitIds.set(c, id)
    this.pending.push(`c ${id} ${c}`)
  }

  noteTree (id: string, n: MappedNode): void {
    const c = cidText(n.cid)
    this.trees.setText(id, `${c} ${n.tsize}`)
    this.treeIds.set(c, id)
    this.pending.push(`t ${id} ${c} ${n.tsize}`)
  }

  /** kind: f, x, l, or p / P (an LFS pointer whose object is the file's content), ".cdc" after it for FastCDC. */
  noteBlob (id: string, kind: string, n: MappedNode): void {
    const c = cidText(n.cid)
    this.blobs.setText(`${id} ${kind}`, `${c} ${n.tsize}`)
    this.blobIds.setText(c, `${id} ${kind}`)
    this.pending.push(`b ${id} ${kind} ${c} ${n.tsize}`)
  }

  blob (id: string, kind: string): MappedNode | undefined {
    return this.blobs.get(`${id} ${kind}`)
  }

  /** Appends what was noted since the last flush. */
  flush (): void {
    if (this.pending.length === 0) return
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true })
      this.fd = fs.openSync(this.file, 'a')
    }
    fs.writeSync(this.fd, this.pending.join('\n') + '\n')
    this.pending = []
  }

  close (): void {
    this.flush()
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
  }
}

/** Annotated tags' objects, kept so `export git` writes them back as they were. */
export function saveGitTag (repo: Repo, name: string, id: string, body: Uint8Array): void {
  const dir = repo.layout.git('tags')
  fs.mkdirSync(dir, { recursive: true })
  writeFileAtomic(path.join(dir, id), body)
  writeFileAtomic(path.join(dir, `${encodeURIComponent(name)}.ref`), id + '\n')
}

export function readGitTag (repo: Repo, name: string): { id: string, body: Uint8Array } | undefined {
  const dir = repo.layout.git('tags')
  const id = readTextIfExists(path.join(dir, `${encodeURIComponent(name)}.ref`))?.trim()
  if (id === undefined || !/^[0-9a-f]{40}$/.test(id)) return undefined
  try { return { id, body: fs.readFileSync(path.join(dir, id)) } } catch { return undefined }
}
