import test from 'ava'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { signCommit, decodeCommit, commitSignatureValid, encodeCommit, UnsignedCommit } from '../../src/model/commit.js'
import { randomSecretKey, publicKeyOf } from '../../src/model/sign.js'
import { didFromPublicKey, publicKeyFromDid } from '../../src/model/did.js'
import { AcacheError } from '../../src/errors.js'
import { encodeMessage, decodeMessage, makeIdentityMessage, readIdentityMessage } from '../../src/model/message.js'

const TREE = CID.parse('bafybeibf7srvq6t6b73ra4o3qm6ekhuicfpk5rjamccxbaaf5ffmxj5doq')

function unsigned (key: string): UnsignedCommit {
  return { type: 'acache/commit', version: 1, tree: TREE, parents: [], author: { key, name: 'alice' }, time: '2026-11-28T10:00:00.000Z', message: 'hi' }
}

test('did:key round-trips and starts with z6Mk', t => {
  const pub = publicKeyOf(randomSecretKey())
  const did = didFromPublicKey(pub)
  t.true(did.startsWith('did:key:z6Mk'))
  t.deepEqual(publicKeyFromDid(did), pub)
  t.throws(() => publicKeyFromDid('did:key:zQ3sh'), { instanceOf: AcacheError })
})

test('a signed commit verifies; a flipped bit, another key or another object does not', t => {
  const sk = randomSecretKey()
  const key = didFromPublicKey(publicKeyOf(sk))
  const { commit, bytes } = signCommit(unsigned(key), sk)
  t.true(commitSignatureValid(decodeCommit(bytes)))
  const flipped = { ...commit, signature: Uint8Array.from(commit.signature) }
  flipped.signature[5] ^= 1
  t.false(commitSignatureValid(flipped))
  const otherKey = didFromPublicKey(publicKeyOf(randomSecretKey()))
  t.false(commitSignatureValid({ ...commit, author: { key: otherKey, name: 'alice' } }))
  t.false(commitSignatureValid({ ...commit, message: 'changed' }))
  const other = signCommit({ ...unsigned(key), message: 'another' }, sk).commit
  t.false(commitSignatureValid({ ...commit, signature: other.signature }))
})

test('decodeCommit refuses non-canonical encodings, extra fields and bad shapes', t => {
  const sk = randomSecretKey()
  const key = didFromPublicKey(publicKeyOf(sk))
  const { bytes, commit } = signCommit(unsigned(key), sk)
  // same commit, keys in another order / extra whitespace: same data, other bytes
  const text = new TextDecoder().decode(bytes)
  const spaced = new TextEncoder().encode(text.replace('{', '{ '))
  t.is((t.throws(() => decodeCommit(spaced)) as AcacheError).code, 'BAD_OBJECT')
  const extra = dagJson.encode({ ...commit, extra: 1 })
  t.is((t.throws(() => decodeCommit(extra)) as AcacheError).code, 'BAD_OBJECT')
  t.is((t.throws(() => decodeCommit(dagJson.encode({ ...commit, version: 2 }))) as AcacheError).code, 'BAD_OBJECT')
  t.is((t.throws(() => decodeCommit(new TextEncoder().encode('not json'))) as AcacheError).code, 'BAD_OBJECT')
  t.is((t.throws(() => decodeCommit(dagJson.encode({ ...commit, author: { key: 'did:key:nope', name: 'x' } }))) as AcacheError).code, 'BAD_OBJECT')
  t.deepEqual(encodeCommit(decodeCommit(bytes)), bytes)
})

test('messages: round trip, and a bad prefix, a changed character or a cut are refused', t => {
  const m = encodeMessage({ hello: 'world' })
  t.true(m.startsWith('acache:'))
  t.deepEqual(decodeMessage(m), { hello: 'world' })
  t.is((t.throws(() => decodeMessage('ipfs:' + m.slice(7))) as AcacheError).code, 'BAD_INPUT')
  const i = m.length - 8
  const changed = m.slice(0, i) + (m[i] === 'A' ? 'B' : 'A') + m.slice(i + 1)
  t.regex((t.throws(() => decodeMessage(changed)) as AcacheError).message, /checksum/)
  t.is((t.throws(() => decodeMessage(m.slice(0, -3))) as AcacheError).code, 'BAD_INPUT')
})

test('identity messages are signed by their key', t => {
  const sk = randomSecretKey()
  const key = didFromPublicKey(publicKeyOf(sk))
  const msg = makeIdentityMessage(key, 'alice', ['/srv/alice'], sk)
  const obj = decodeMessage(msg)
  t.is(readIdentityMessage(obj).name, 'alice')
  const forged = { ...obj, name: 'mallory' }
  t.is((t.throws(() => readIdentityMessage(forged)) as AcacheError).code, 'BAD_SIGNATURE')
})

test('signatures made through node:crypto are the bytes RFC 8032 (noble) gives, and verify', async t => {
  const ed = await import('@noble/ed25519')
  const { sign, verifySignature, randomSecretKey: fresh, publicKeyOf: pub } = await import('../../src/model/sign.js')
  const { didFromPublicKey: did } = await import('../../src/model/did.js')
  for (let i = 0; i < 50; i++) {
    const sk = fresh()
    const message = new Uint8Array(i * 37).map((_, j) => (j * 31 + i) & 0xff)
    const ours = sign(message, sk)
    t.deepEqual(Buffer.from(ours), Buffer.from(ed.sign(message, sk)))
    t.true(verifySignature(ours, message, did(pub(sk))))
  }
})
