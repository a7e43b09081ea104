import { CID } from 'multiformats/cid'
import { fail } from '../errors.js'
import { Head, decodeHead, headSignedBy } from '../model/head.js'
import { dagJsonCid, DAG_JSON } from '../model/commit.js'
import { MAX_HEAD_BYTES } from '../model/limits.js'
import type { RemoteState } from '../services/remote-state.js'

/** The rules a signed head must meet to be taken (rules.ts lists them all). */

export interface Checked { head: Head, cid: CID }

export function checkHead (bytes: Uint8Array, key: string, who: string, last?: RemoteState): Checked {
  if (bytes.byteLength > MAX_HEAD_BYTES) fail('TOO_LARGE', `the head from ${who} is ${bytes.byteLength} bytes, over the ${MAX_HEAD_BYTES}-byte limit`)
  const head = decodeHead(bytes)
  if (head.key !== key) {
    fail('UNTRUSTED_KEY', `the head from ${who} is signed by ${head.key}, not by ${key} as recorded for ${who}`, { data: { remote: who, key: head.key, expected: key } })
  }
  if (!headSignedBy(head, key)) fail('BAD_SIGNATURE', `the head from ${who} has a signature that does not match ${key}`, { data: { remote: who } })
  const cid = dagJsonCid(bytes)
  for (const [branch, c] of Object.entries(head.heads)) {
    if (c.code !== DAG_JSON) fail('BAD_OBJECT', `the head from ${who} names ${c} as branch ${branch}, which is not a commit`, { data: { remote: who, branch } })
  }
  const older = (seq: number): never => fail('REPLAY', `refusing an older head from ${who}: its seq is ${head.seq}, but seq ${seq} was already accepted (a replayed head)`, { data: { remote: who, seq: head.seq, accepted: seq } })
  if (last === undefined) return { head, cid }
  if (head.partial !== true) {
    if (head.seq < last.seq) older(last.seq)
    if (head.seq === last.seq && last.head !== cid.toString()) {
      fail('REPLAY', `refusing a head from ${who} with seq ${head.seq} that differs from the one already accepted with that seq`, { data: { remote: who, seq: head.seq } })
    }
    return { head, cid }
  }
  // A partial head (a bundle of some branches) must be newer than the last
  // full head, and than what set each branch it names.
  if (head.seq <= last.seq) older(last.seq)
  for (const [branch, c] of Object.entries(head.heads)) {
    const n = last.newer?.[branch]
    if (n === undefined) continue
    if (head.seq < n.seq) older(n.seq)
    if (head.seq === n.seq && n.commit !== c.toString()) {
      fail('REPLAY', `refusing a head from ${who} with seq ${head.seq} that sets ${branch} otherwise than the one already accepted with that seq`, { data: { remote: who, seq: head.seq, branch } })
    }
  }
  return { head, cid }
}

/**
 * A head pushed to `serve`: every rule a fetcher applies to a head
 * (checkHead: size, form, signature, branches that name commits), and a
 * server's own: from a key it trusts, a head of every branch (a partial one
 * is never published), above the seq it publishes for that key.
 */
export function checkPushedHead (bytes: Uint8Array, trusted: (key: string) => boolean, publishedSeq: (key: string) => number | undefined): Checked {
  if (bytes.byteLength > MAX_HEAD_BYTES) fail('TOO_LARGE', `the pushed head is ${bytes.byteLength} bytes, over the ${MAX_HEAD_BYTES}-byte limit`)
  const key = decodeHead(bytes).key
  const checked = checkHead(bytes, key, 'the pusher')
  if (checked.head.partial === true) fail('BAD_INPUT', 'a partial head (a bundle of some branches) is not published: push sends a head of every branch')
  if (!trusted(key)) fail('UNTRUSTED_KEY', `${key} is not trusted by this server`, { data: { key } })
  const seq = publishedSeq(key)
  if (seq !== undefined && checked.head.seq <= seq) fail('REPLAY', `seq ${checked.head.seq} is not above the published seq ${seq}`, { data: { key, seq: checked.head.seq, published: seq } })
  return checked
}
