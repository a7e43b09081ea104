import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { Repo } from './repo.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'

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

export class GitMap {
  readonly commits = new Map<string, CID>()
  readonly commitIds = new Map<string, string>()
  readonly trees = new Map<string, MappedNode>()
  readonly treeIds = new Map<string, string>()
  readonly blobs = new Map<string, MappedNode>()
  /** CID -> git blob ID and whether the content is an LFS object behind a pointer */
  readonly blobIds = new Map<string, { id: string, lfs: boolean }>()
  private readonly file: string
  private fd: number | undefined
  private pending: string[] = []

  constructor (repo: Repo) {
    this.file = repo.layout.git('map')
    const text = readTextIfExists(this.file) ?? ''
    for (const line of text.split('\n')) {
      const f = line.split(' ')
      try {
        if (f[0] === 'c' && f.length === 3) this.noteCommit(f[1], CID.parse(f[2]), false)
        else if (f[0] === 't' && f.length === 4) this.noteTree(f[1], { cid: CID.parse(f[2]), tsize: Number(f[3]) }, false)
        else if (f[0] === 'b' && f.length === 5) this.noteBlob(f[1], f[2], { cid: CID.parse(f[3]), tsize: Number(f[4]) }, false)
      } catch {}
    }
  }

  noteCommit (id: string, cid: CID, save = true): void {
    this.commits.set(id, cid)
    this.commitIds.set(cid.toString(), id)
    if (save) this.pending.push(`c ${id} ${cid.toString()}`)
  }

  noteTree (id: string, n: MappedNode, save = true): void {
    this.trees.set(id, n)
    this.treeIds.set(n.cid.toString(), id)
    if (save) this.pending.push(`t ${id} ${n.cid.toString()} ${n.tsize}`)
  }

  /** kind: f, x, l, or p (an LFS pointer whose object is the file's content). */
  noteBlob (id: string, kind: string, n: MappedNode, save = true): void {
    this.blobs.set(`${id} ${kind}`, n)
    this.blobIds.set(n.cid.toString(), { id, lfs: kind.startsWith('p') || kind.startsWith('P') })
    if (save) this.pending.push(`b ${id} ${kind} ${n.cid.toString()} ${n.tsize}`)
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
