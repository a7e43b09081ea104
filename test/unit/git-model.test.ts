import test from 'ava'
import * as dagJson from '@ipld/dag-json'
import fc from 'fast-check'
import { signCommit, decodeCommit, encodeCommit, commitSignatureValid, gitObjectId, UnsignedCommit } from '../../src/model/commit.js'
import { publicKeyOf, randomSecretKey } from '../../src/model/sign.js'
import { didFromPublicKey } from '../../src/model/did.js'
import { rawCid } from '../../src/model/tree.js'
import { encodeGitTree, parseGitTree, parseGitCommit, gitMessageText, parseLfsPointer, lfsPointer, GitTreeEntry } from '../../src/model/git.js'
import { git, gitSeed, assertProperty } from '../git.js'

// The git side of the commit format, and git's tree encoding against git
// itself (`git mktree` is the oracle).

const sk = randomSecretKey()
const key = didFromPublicKey(publicKeyOf(sk))
const object = Buffer.from(`tree ${'4b825dc642cb6eb9a060e54bf8d69288fbee4904'}\nauthor A <a@x> 1700000000 +0100\ncommitter A <a@x> 1700000000 +0100\nencoding ISO-8859-1\n\ncaf\xe9\n`, 'latin1')
const base = (git: UnsignedCommit['git']): UnsignedCommit => ({ type: 'acache/commit', version: 1, tree: rawCid(new Uint8Array([1])), parents: [], author: { key, name: 'k' }, time: '2023-11-14T22:13:20.000Z', message: 'café\n', git })
const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (err) { return (err as any).code } }

test('a commit keeps its git origin under its signature, and the origin\'s ID must be the hash of its object', t => {
  const id = gitObjectId('commit', object)
  const { bytes, cid } = signCommit(base({ id, object }), sk)
  const c = decodeCommit(bytes, cid)
  t.true(commitSignatureValid(c))
  t.is(c.git?.id, id)
  t.deepEqual(Buffer.from(c.git!.object), object)
  // the object changed after signing: the signature no longer holds
  const forged = dagJson.decode(bytes) as any
  forged.git.object = Buffer.from(object.toString('latin1').replace('A <a@x>', 'B <b@x>'), 'latin1')
  forged.git.id = gitObjectId('commit', forged.git.object)
  t.false(commitSignatureValid(decodeCommit(encodeCommit(forged), undefined)))
  // an ID that is not the object's hash, a stray field, a bad quirk: not a commit
  const bad = (g: unknown): string | undefined => code(() => decodeCommit(dagJson.encode({ ...dagJson.decode(bytes) as object, git: g })))
  t.is(bad({ id: '0'.repeat(40), object }), 'BAD_OBJECT')
  t.is(bad({ id, object, extra: 1 }), 'BAD_OBJECT')
  t.is(bad({ id, object, quirks: [{ path: '../x', mode: '160000', id }] }), 'BAD_OBJECT')
  t.is(bad({ id, object, quirks: [] }), 'BAD_OBJECT')
  t.is(bad({ id, object, quirks: [{ path: 'lib', mode: '160000', id }] }), undefined)
  // a commit without one is as before: the same bytes as a version-1 commit always had
  t.false('git' in decodeCommit(signCommit(base(undefined), sk).bytes))
})

test('a git commit\'s headers and message: encoding, time zones, Latin-1 text', t => {
  const info = parseGitCommit(object)
  t.is(info.tree, '4b825dc642cb6eb9a060e54bf8d69288fbee4904')
  t.deepEqual(info.author, { name: 'A', email: 'a@x', when: 1700000000, tz: '+0100' })
  t.is(info.encoding, 'ISO-8859-1')
  t.is(gitMessageText(info), 'café\n')
  t.is(code(() => parseGitCommit(Buffer.from('tree nothex\n\nx'))), 'BAD_OBJECT')
})

test('LFS pointers: what git-lfs writes, and nothing else', t => {
  const p = { oid: 'a'.repeat(64), size: 12345 }
  t.deepEqual(parseLfsPointer(lfsPointer(p)), p)
  t.is(parseLfsPointer(Buffer.from('version https://git-lfs.github.com/spec/v1\nsize 1\n')), undefined)
  t.is(parseLfsPointer(Buffer.alloc(2000, 'x')), undefined)
})

test('git trees encode as git mktree writes them: the same ID, the same order (generated entries)', t => {
  const dir = gitSeed()
  const blob = git(dir, ['hash-object', '-w', '--stdin'], 'x\n').toString().trim()
  const empty = git(dir, ['mktree'], '').toString().trim()
  const name = fc.stringMatching(/^[a-zA-Z0-9._ -]{1,6}$/).filter(n => n !== '.' && n !== '..')
  const entry = fc.record({ name, mode: fc.constantFrom('100644', '100755', '120000', '40000') })
  assertProperty(t, fc.property(fc.uniqueArray(entry, { selector: e => e.name, maxLength: 12 }), (raw) => {
    const entries: GitTreeEntry[] = raw.map(e => ({ ...e, id: e.mode === '40000' ? empty : blob }))
    const input = entries.map(e => `${e.mode === '40000' ? '040000' : e.mode} ${e.mode === '40000' ? 'tree' : 'blob'} ${e.id}\t${e.name}\n`).join('')
    const want = git(dir, ['mktree'], input).toString().trim()
    const ours = encodeGitTree(entries)
    if (gitObjectId('tree', ours) !== want) return false
    const back = parseGitTree(Buffer.from(git(dir, ['cat-file', 'tree', want])))
    return JSON.stringify(back.map(e => e.name).sort()) === JSON.stringify(entries.map(e => e.name).sort())
  }), 100)
})
