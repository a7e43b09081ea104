import { fail } from '../errors.js'
import { gitObjectId } from './commit.js'

/**
 * git's object formats, as far as the bridge (`import git`, `export git`,
 * git-remote-acache) needs them: commit headers, tree entries, LFS
 * pointers. Pure: reading and writing git repositories is remote/git.ts.
 */

export { gitObjectId }

export const EMPTY_TREE_ID = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
export const EMPTY_BLOB_ID = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'

export interface GitPerson { name: string, email: string, when: number, tz: string }

export interface GitCommitInfo {
  tree: string
  parents: string[]
  author?: GitPerson
  committer?: GitPerson
  encoding?: string
  /** the message's bytes, as stored */
  message: Uint8Array
}

const HEX40 = /^[0-9a-f]{40}$/

function person (text: string): GitPerson | undefined {
  const m = /^(.*?) ?<([^>]*)> (-?\d+) ([+-]\d{4})$/.exec(text)
  if (m === null) return undefined
  return { name: m[1], email: m[2], when: Number(m[3]), tz: m[4] }
}

/** A commit object's headers and message. Headers it does not know (gpgsig, mergetag) are left in the bytes. */
export function parseGitCommit (body: Uint8Array, id = ''): GitCommitInfo {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const end = buf.indexOf('\n\n')
  const headerText = buf.subarray(0, end < 0 ? buf.byteLength : end).toString('latin1')
  const message = end < 0 ? new Uint8Array() : body.subarray(end + 2)
  const out: GitCommitInfo = { tree: '', parents: [], message }
  for (const line of headerText.split('\n')) {
    if (line.startsWith(' ')) continue // a continued header (gpgsig, mergetag)
    const sp = line.indexOf(' ')
    const key = sp < 0 ? line : line.slice(0, sp)
    const value = sp < 0 ? '' : line.slice(sp + 1)
    if (key === 'tree' && out.tree === '') out.tree = value
    else if (key === 'parent') out.parents.push(value)
    else if (key === 'author' && out.author === undefined) out.author = person(Buffer.from(value, 'latin1').toString('utf8'))
    else if (key === 'committer' && out.committer === undefined) out.committer = person(Buffer.from(value, 'latin1').toString('utf8'))
    else if (key === 'encoding') out.encoding = value
  }
  if (!HEX40.test(out.tree) || out.parents.some(p => !HEX40.test(p))) fail('BAD_OBJECT', `git commit ${id} has a bad tree or parent line`)
  return out
}

/** A git message in the encoding its commit names (UTF-8 when none), as text; bytes that do not decode are read as Latin-1, as git log does. */
export function gitMessageText (info: GitCommitInfo): string {
  const label = (info.encoding ?? 'utf-8').trim().toLowerCase()
  try {
    return new TextDecoder(label, { fatal: true }).decode(info.message)
  } catch {
    return Buffer.from(info.message).toString('latin1')
  }
}

/** "Sat, 7 Dec 2026 10:00:00 +0100"-like, as git log's default date: in the committer's own time zone. */
export function gitDate (p: GitPerson): string {
  const sign = p.tz.startsWith('-') ? -1 : 1
  const offset = sign * (Number(p.tz.slice(1, 3)) * 60 + Number(p.tz.slice(3, 5)))
  const d = new Date((p.when + offset * 60) * 1000)
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${d.getUTCDate()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()} ${p.tz}`
}

// ---------------------------------------------------------------- trees

export interface GitTreeEntry { mode: string, name: string, id: string }

/** A tree object's entries. A name that is not UTF-8 is refused: an acache tree holds names as text. */
export function parseGitTree (body: Uint8Array, id = ''): GitTreeEntry[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const out: GitTreeEntry[] = []
  let i = 0
  while (i < buf.byteLength) {
    const sp = buf.indexOf(0x20, i)
    const nul = buf.indexOf(0, sp + 1)
    if (sp < 0 || nul < 0 || nul + 21 > buf.byteLength) fail('BAD_OBJECT', `git tree ${id} is damaged`)
    const mode = buf.toString('latin1', i, sp)
    const nameBytes = buf.subarray(sp + 1, nul)
    const name = nameBytes.toString('utf8')
    if (!isAscii(nameBytes) && !Buffer.from(name, 'utf8').equals(nameBytes)) fail('BAD_TREE_ENTRY', `git tree ${id} has a name that is not UTF-8 (${JSON.stringify(nameBytes.toString('latin1'))}): acache records names as text`)
    out.push({ mode, name, id: buf.toString('hex', nul + 1, nul + 21) })
    i = nul + 21
  }
  return out
}

/**
 * Where each entry of a tree object ends and where its name ends (its NUL),
 * found without parsing: entries that are the same bytes as another tree's
 * need no parsing at all.
 */
export function gitTreeOffsets (body: Buffer, id = ''): { ends: number[], nuls: number[] } {
  const ends: number[] = []
  const nuls: number[] = []
  let i = 0
  while (i < body.byteLength) {
    const sp = body.indexOf(0x20, i)
    const nul = sp < 0 ? -1 : body.indexOf(0, sp + 1)
    if (nul < 0 || nul + 21 > body.byteLength) fail('BAD_OBJECT', `git tree ${id} is damaged`)
    nuls.push(nul)
    ends.push(i = nul + 21)
  }
  return { ends, nuls }
}

/** The entry of a tree object named `name`, parsed alone. */
export function findGitTreeEntry (body: Buffer, name: string, id = ''): GitTreeEntry | undefined {
  const want = Buffer.from(name, 'utf8')
  const { ends, nuls } = gitTreeOffsets(body, id)
  for (let k = 0, start = 0; k < ends.length; start = ends[k++]) {
    const sp = body.indexOf(0x20, start)
    if (nuls[k] - sp - 1 === want.byteLength && body.compare(want, 0, want.byteLength, sp + 1, nuls[k]) === 0) return parseGitTree(body.subarray(start, ends[k]), id)[0]
  }
  return undefined
}

function isAscii (b: Uint8Array): boolean {
  for (let i = 0; i < b.byteLength; i++) if (b[i] >= 0x80) return false
  return true
}

/** git's order: by name bytes, a directory's name taken with a trailing "/". */
function treeKey (e: GitTreeEntry): Buffer {
  return Buffer.from(e.mode === '40000' ? e.name + '/' : e.name, 'utf8')
}

export function encodeGitTree (entries: GitTreeEntry[]): Uint8Array {
  const sorted = entries.map(e => ({ e, k: treeKey(e) })).sort((a, b) => Buffer.compare(a.k, b.k))
  const parts: Buffer[] = []
  for (const { e } of sorted) parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.id, 'hex'))
  return Buffer.concat(parts)
}

// ---------------------------------------------------------------- commits acache made

/** The e-mail a did:key is given in git: stable, and never a real address. */
export function didEmail (did: string): string {
  return `${did.replace(/^did:key:/, '')}@did-key.acache.invalid`
}

/** A commit object for a commit made in acache (none of git's own to write back). */
export function synthesizeGitCommit (c: { tree: string, parents: string[], name: string, did: string, time: string, message: string }): Uint8Array {
  const when = Math.floor(Date.parse(c.time) / 1000)
  const name = c.name.replace(/[<>\n]/g, '').trim() || 'acache'
  const who = `${name} <${didEmail(c.did)}> ${when} +0000`
  const message = c.message === '' || c.message.endsWith('\n') ? c.message : c.message + '\n'
  const head = [`tree ${c.tree}`, ...c.parents.map(p => `parent ${p}`), `author ${who}`, `committer ${who}`].join('\n')
  return Buffer.from(`${head}\n\n${message}`, 'utf8')
}

/** The tree and parent lines a commit object names. */
export function gitCommitLinks (body: Uint8Array): { tree: string, parents: string[] } {
  const { tree, parents } = parseGitCommit(body)
  return { tree, parents }
}

// ---------------------------------------------------------------- annotated tags

export interface GitTagInfo { object: string, type: string, tag: string }

export function parseGitTag (body: Uint8Array, id = ''): GitTagInfo {
  const text = Buffer.from(body).toString('latin1')
  const head = text.slice(0, Math.max(0, text.indexOf('\n\n')) || text.length)
  const get = (k: string): string => /^(.*)$/m.exec(head.split('\n').find(l => l.startsWith(k + ' '))?.slice(k.length + 1) ?? '')?.[1] ?? ''
  const info = { object: get('object'), type: get('type'), tag: get('tag') }
  if (!HEX40.test(info.object)) fail('BAD_OBJECT', `git tag ${id} names no object`)
  return info
}

// ---------------------------------------------------------------- git-lfs

export interface LfsPointer { oid: string, size: number }

/** A git-lfs pointer file (spec v1), or undefined for anything else. */
export function parseLfsPointer (bytes: Uint8Array): LfsPointer | undefined {
  if (bytes.byteLength > 1024 || bytes.byteLength < 40) return undefined
  const text = Buffer.from(bytes).toString('utf8')
  if (!text.startsWith('version https://git-lfs.github.com/spec/v1\n')) return undefined
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(text)?.[1]
  const size = /^size (\d+)$/m.exec(text)?.[1]
  if (oid === undefined || size === undefined) return undefined
  return { oid, size: Number(size) }
}

/** The pointer git-lfs writes for content with this SHA-256 and size. */
export function lfsPointer (p: LfsPointer): Uint8Array {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${p.oid}\nsize ${p.size}\n`)
}

export function checkGitId (id: string, what: string): string {
  if (!HEX40.test(id)) fail('BAD_OBJECT', `${what} is not a git object ID: ${JSON.stringify(id.slice(0, 60))}`)
  return id
}
