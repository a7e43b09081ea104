import { createHash } from 'node:crypto'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { fail } from '../errors.js'
import { isDid } from './did.js'
import { equalBytes, sha256, SHA2_256 } from '../store/blockstore.js'
import { verifySignature, sign } from './sign.js'


export interface Author { key: string, name: string }

/**
 * Where an imported commit came from: the git commit object's bytes, whole
 * (author, committer, their time zones, encoding, gpgsig, the message
 * bytes), and its ID, so `export git` writes back the very same object.
 * `quirks` are tree entries an acache tree does not hold: submodules
 * (mode 160000) and modes git's early versions wrote (100664); each is
 * written back where it was.
 */
export interface GitOrigin { id: string, object: Uint8Array, quirks?: GitQuirk[] }
export interface GitQuirk { path: string, mode: string, id: string }

export interface Commit {
  type: 'acache/commit'
  version: 1
  tree: CID
  parents: CID[]
  author: Author
  time: string
  message: string
  git?: GitOrigin
  signature: Uint8Array
}

export type UnsignedCommit = Omit<Commit, 'signature'>

export const DAG_JSON = dagJson.code

/** CIDv1, dag-json, sha2-256 of bytes. */
export function dagJsonCid (bytes: Uint8Array): CID {
  return CID.createV1(DAG_JSON, Digest.create(SHA2_256, sha256(bytes)))
}

/** What the signature covers: the dag-json of the commit without `signature`. */
export function signingBytes (c: UnsignedCommit): Uint8Array {
  const { type, version, tree, parents, author, time, message, git } = c
  const body: Record<string, unknown> = { type, version, tree, parents, author: { key: author.key, name: author.name }, time, message }
  if (git !== undefined) body.git = git
  return dagJson.encode(body)
}

export function signCommit (c: UnsignedCommit, secretKey: Uint8Array): { commit: Commit, bytes: Uint8Array, cid: CID } {
  const signature = sign(signingBytes(c), secretKey)
  const { git, ...rest } = c
  const commit: Commit = git === undefined ? { ...rest, signature } : { ...rest, git, signature }
  const bytes = dagJson.encode(commit)
  return { commit, bytes, cid: dagJsonCid(bytes) }
}

export function commitSignatureValid (c: Commit): boolean {
  return verifySignature(c.signature, signingBytes(c), c.author.key)
}

const COMMIT_KEYS = ['author', 'message', 'parents', 'signature', 'time', 'tree', 'type', 'version']
const COMMIT_KEYS_GIT = ['author', 'git', 'message', 'parents', 'signature', 'time', 'tree', 'type', 'version']
/** A git commit object larger than this is refused (git's own largest are a few hundred KiB of message). */
export const MAX_GIT_OBJECT_BYTES = 4 * 1024 * 1024
const MAX_QUIRKS = 100_000

/**
 * Decodes and checks the shape of a commit block. Rejects anything that is not
 * exactly a version-1 commit in canonical dag-json (so one commit has one CID).
 * Does not check the signature: see commitSignatureValid.
 */
export function decodeCommit (bytes: Uint8Array, cid?: CID): Commit {
  const where = cid ? ` ${cid}` : ''
  let obj: any
  try {
    obj = dagJson.decode(bytes)
  } catch (err) {
    fail('BAD_OBJECT', `object${where} is not valid dag-json: ${(err as Error).message}`)
  }
  if (obj === null || typeof obj !== 'object' || obj.type !== 'acache/commit') {
    fail('BAD_OBJECT', `object${where} is not a commit`, { data: { cid: cid?.toString() } })
  }
  const keys = Object.keys(obj).sort()
  if (keys.join() !== COMMIT_KEYS.join() && keys.join() !== COMMIT_KEYS_GIT.join()) fail('BAD_OBJECT', `commit${where} has unexpected fields: ${keys.join(', ')}`)
  if (obj.version !== 1) fail('BAD_OBJECT', `commit${where} has unsupported version ${String(obj.version)}`)
  if (CID.asCID(obj.tree) === null) fail('BAD_OBJECT', `commit${where} has no tree CID`)
  if (!Array.isArray(obj.parents) || obj.parents.some((p: unknown) => CID.asCID(p) === null)) fail('BAD_OBJECT', `commit${where} has bad parents`)
  if (obj.parents.length > 16) fail('BAD_OBJECT', `commit${where} has too many parents`)
  const a = obj.author
  if (a === null || typeof a !== 'object' || Object.keys(a).sort().join() !== 'key,name' || !isDid(a.key) || typeof a.name !== 'string') {
    fail('BAD_OBJECT', `commit${where} has a bad author`)
  }
  if (typeof obj.time !== 'string' || Number.isNaN(Date.parse(obj.time))) fail('BAD_OBJECT', `commit${where} has a bad time`)
  if (typeof obj.message !== 'string') fail('BAD_OBJECT', `commit${where} has a bad message`)
  if (!(obj.signature instanceof Uint8Array)) fail('BAD_OBJECT', `commit${where} has no signature bytes`)
  if (obj.git !== undefined) checkGitOrigin(obj.git, where)
  if (!equalBytes(dagJson.encode(obj), bytes)) fail('BAD_OBJECT', `commit${where} is not in canonical dag-json`)
  return obj as Commit
}

export function encodeCommit (c: Commit): Uint8Array {
  return dagJson.encode(c)
}

/**
 * The rule a commit from outside meets, wherever it is read first (a
 * fetch's walk, a block a partial fetch left at the remote, a merge of
 * history fetched without its commits): a valid commit whose signature
 * matches its author's key. accept/rules.ts lists it.
 */
export function admitCommit (cid: CID, bytes: Uint8Array): Commit {
  const c = decodeCommit(bytes, cid)
  if (!commitSignatureValid(c)) fail('BAD_SIGNATURE', `commit ${cid} has a signature that does not match its author ${c.author.key}`, { data: { commit: cid.toString() } })
  return c
}

/** The shape of a commit's git origin, and that its ID is the hash of its object. */
function checkGitOrigin (g: any, where: string): void {
  const bad = (why: string): never => fail('BAD_OBJECT', `commit${where} has a bad git origin: ${why}`)
  if (g === null || typeof g !== 'object') bad('not a map')
  const keys = Object.keys(g).sort().join()
  if (keys !== 'id,object' && keys !== 'id,object,quirks') bad(`unexpected fields ${keys}`)
  if (typeof g.id !== 'string' || !/^[0-9a-f]{40}$/.test(g.id)) bad('the id is not a SHA-1')
  if (!(g.object instanceof Uint8Array) || g.object.byteLength > MAX_GIT_OBJECT_BYTES) bad('the object is not bytes within the limit')
  if (gitObjectId('commit', g.object) !== g.id) bad('the id is not the hash of the object')
  if (g.quirks !== undefined) {
    if (!Array.isArray(g.quirks) || g.quirks.length === 0 || g.quirks.length > MAX_QUIRKS) bad('quirks is not a list')
    for (const q of g.quirks) {
      if (q === null || typeof q !== 'object' || Object.keys(q).sort().join() !== 'id,mode,path') bad('a quirk is not {path, mode, id}')
      if (typeof q.path !== 'string' || q.path === '' || q.path.startsWith('/') || q.path.split('/').some((c: string) => c === '' || c === '.' || c === '..' || c.includes('\0'))) bad(`quirk path ${JSON.stringify(q.path)}`)
      if (typeof q.mode !== 'string' || !/^[0-7]{5,6}$/.test(q.mode)) bad('a quirk mode')
      if (typeof q.id !== 'string' || !/^[0-9a-f]{40}$/.test(q.id)) bad('a quirk id')
    }
  }
}

/** git's object ID: SHA-1 of "TYPE SIZE\0" and the bytes. */
export function gitObjectId (type: string, body: Uint8Array): string {
  const h = createHash('sha1')
  h.update(`${type} ${body.byteLength}\0`)
  h.update(body)
  return h.digest('hex')
}
