import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { isDid } from './did.js'
import { equalBytes } from '../store/blockstore.js'
import { sign, verifySignature } from './sign.js'
import { dagJsonCid } from './commit.js'

/**
 * A signed statement "my branches are at these commits" (DESIGN §4). `seq`
 * only grows. A `partial` head (a bundle of some branches) says "these of my
 * branches are at these commits": it moves only the branches it names and
 * is never published; a later full head with a higher seq says again what
 * all of them are.
 */
export interface Head {
  type: 'acache/head'
  version: 1
  key: string
  seq: number
  time: string
  heads: Record<string, CID>
  partial?: true
  signature: Uint8Array
}

export type UnsignedHead = Omit<Head, 'signature'>

const HEAD_KEYS = ['heads', 'key', 'seq', 'signature', 'time', 'type', 'version']
const PARTIAL_HEAD_KEYS = ['heads', 'key', 'partial', 'seq', 'signature', 'time', 'type', 'version']
const BRANCH = /^[A-Za-z0-9._/-]{1,200}$/

/** git's check-ref-format rules, roughly: what a branch may be called here and in a friend's head. */
export function validBranchName (name: string): boolean {
  return !(name === '' || name.length > 200 || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') ||
    name.endsWith('.') || name.endsWith('.lock') || name.includes('..') || name.includes('//') || name.includes('@{') ||
    /[\x00-\x20\x7f~^:?*[\\]/.test(name) || name.split('/').some(p => p.startsWith('.')) || name === 'HEAD')
}

export function headSigningBytes (h: UnsignedHead): Uint8Array {
  const { type, version, key, seq, time, heads, partial } = h
  return dagJson.encode(partial === true ? { type, version, key, seq, time, heads, partial } : { type, version, key, seq, time, heads })
}

export function signHead (h: UnsignedHead, secretKey: Uint8Array): { head: Head, bytes: Uint8Array, cid: CID } {
  const head: Head = { ...h, signature: sign(headSigningBytes(h), secretKey) }
  const bytes = dagJson.encode(head)
  return { head, bytes, cid: dagJsonCid(bytes) }
}

/** Decodes a head, strictly; does not check the signature (see headSignedBy). */
export function decodeHead (bytes: Uint8Array): Head {
  let o: any
  try { o = dagJson.decode(bytes) } catch { fail('BAD_OBJECT', 'the head is not valid dag-json') }
  if (o === null || typeof o !== 'object' || o.type !== 'acache/head') fail('BAD_OBJECT', 'this is not an acache head')
  const keys = Object.keys(o).sort().join()
  if (keys !== HEAD_KEYS.join() && keys !== PARTIAL_HEAD_KEYS.join()) fail('BAD_OBJECT', 'the head has unexpected fields')
  if ('partial' in o && o.partial !== true) fail('BAD_OBJECT', 'the head has a bad partial field')
  if (o.version !== 1) fail('BAD_OBJECT', `unsupported head version ${String(o.version)}`)
  if (!isDid(o.key)) fail('BAD_OBJECT', 'the head has a bad key')
  if (!Number.isSafeInteger(o.seq) || o.seq < 0) fail('BAD_OBJECT', 'the head has a bad seq')
  if (typeof o.time !== 'string' || Number.isNaN(Date.parse(o.time))) fail('BAD_OBJECT', 'the head has a bad time')
  if (o.heads === null || typeof o.heads !== 'object') fail('BAD_OBJECT', 'the head has no branches')
  const names = Object.keys(o.heads)
  for (const [name, c] of Object.entries(o.heads)) {
    if (!BRANCH.test(name) || !validBranchName(name) || CID.asCID(c) === null) {
      fail('BAD_OBJECT', `the head names a bad branch ${JSON.stringify(name).slice(0, 80)}`)
    }
  }
  // a branch cannot also be a folder of branches (x and x/y): refs are files
  const all = new Set(names)
  for (const name of names) {
    const parts = name.split('/')
    for (let i = 1; i < parts.length; i++) {
      const above = parts.slice(0, i).join('/')
      if (all.has(above)) fail('BAD_OBJECT', `the head names both ${JSON.stringify(above)} and ${JSON.stringify(name)}: a branch cannot also hold branches`)
    }
  }
  if (!(o.signature instanceof Uint8Array)) fail('BAD_OBJECT', 'the head has no signature')
  if (!equalBytes(dagJson.encode(o), bytes)) fail('BAD_OBJECT', 'the head is not in canonical dag-json')
  return o as Head
}

export function headSignedBy (h: Head, key: string): boolean {
  return h.key === key && verifySignature(h.signature, headSigningBytes(h), key)
}

/** The file name a key's published head has in a store: `published/<z6Mk...>.head`. */
export function headFileName (key: string): string {
  return key.slice('did:key:'.length) + '.head'
}

/** The file name of the IPNS record beside it: `published/<z6Mk...>.ipns-record`. */
export function ipnsRecordFileName (key: string): string {
  return key.slice('did:key:'.length) + '.ipns-record'
}
