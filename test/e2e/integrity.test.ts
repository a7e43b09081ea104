import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { User, snapshot, tmpdir, storedBytes, replaceStoredBlock, removeStoredBlock } from '../helpers.js'
import { storeOf } from '../attack.js'
import type { PackedBlockStore } from '../../src/store/packed-blockstore.js'
import { pbCid, symlinkBlock } from '../../src/model/tree.js'
import { storeBytes } from '../../src/model/file.js'
import { signCommit, encodeCommit, dagJsonCid } from '../../src/model/commit.js'
import { loadIdentity } from '../../src/identity/identity.js'
import { randomSecretKey } from '../../src/model/sign.js'


async function rawDir (store: PackedBlockStore, links: Array<{ Name: string, Hash: CID, Tsize: number }>): Promise<CID> {
  const bytes = dagPb.encode({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links })
  const cid = pbCid(bytes)
  await store.put(cid, bytes)
  return cid
}

/** A commit of `tree` signed by `u` (the attacker here is anyone with a valid key). */
async function commitTree (u: User, tree: CID, parents: CID[], message = 'crafted'): Promise<CID> {
  const id = loadIdentity(u.home)!
  const { bytes, cid } = signCommit({ type: 'acache/commit', version: 1, tree, parents, author: { key: id.key, name: id.name }, time: new Date().toISOString(), message }, id.secretKey)
  await storeOf(u).put(cid, bytes)
  return cid
}

function setRef (u: User, name: string, cid: CID): void {
  fs.writeFileSync(path.join(u.work, '.acache', 'refs', 'heads', name), cid.toString() + '\n')
}

test('a corrupted block: verify names commit and path; reading it fails with one line; nothing changes', async t => {
  const a = new User('alice').setup()
  a.write('precious.txt', 'the data\n')
  a.write('other.txt', 'fine\n')
  const c = a.ok(['commit', '-m', 'base', '--json']).json
  t.is(a.ok(['verify']).code, 0)
  const cid = CID.parse(a.ok(['show', 'HEAD:', '--json']).json.entries.find((e: any) => e.name === 'precious.txt').cid)
  const bytes = await storedBytes(a, cid)
  bytes[0] ^= 1
  await replaceStoredBlock(a, cid, bytes)
  // what the first verify found sound is not read again by the next: --full reads it
  const quick = a.ok(['verify', '--json']).json
  t.true(quick.ok)
  t.true(quick.verifiedBefore >= 1)
  t.is(quick.blocks, 0, 'nothing new to read')
  const v = a.run(['verify', '--full', '--json'])
  t.is(v.code, 1)
  t.false(v.json.ok)
  t.is(v.json.failures.length, 1)
  t.like(v.json.failures[0], { code: 'CORRUPT_OBJECT', commit: c.commit, path: 'precious.txt', cid: cid.toString() })
  const s = a.run(['show', 'HEAD:precious.txt'])
  t.is(s.code, 3)
  t.is(s.stderr.split('\n').filter(l => l.startsWith('error:')).length, 1)
  t.regex(s.stderr, /corrupt/)
  // a switch that would need the block refuses before touching anything
  a.ok(['switch', '-c', 'empty'])
  fs.rmSync(a.path('precious.txt')); fs.rmSync(a.path('other.txt'))
  a.ok(['commit', '-m', 'empty'])
  const before = snapshot(a.work)
  const sw = a.run(['switch', 'main'])
  t.is(sw.code, 3)
  t.is(a.ok(['branch', '--json']).json.branches.find((b: any) => b.current).name, 'empty')
  const after = snapshot(a.work)
  delete after['.acache/index']; delete before['.acache/index']
  t.deepEqual(Object.keys(after).filter(k => !k.startsWith('.acache')), Object.keys(before).filter(k => !k.startsWith('.acache')))
})

test('a missing block fails verify with MISSING_OBJECT and exit 1', async t => {
  const a = new User('alice').setup()
  a.write('f', 'x'.repeat(100))
  a.ok(['commit', '-m', 'c'])
  const cid = CID.parse(a.ok(['show', 'HEAD:', '--json']).json.entries[0].cid)
  await removeStoredBlock(a, cid)
  const v = a.run(['verify', '--json'])
  t.is(v.code, 1)
  t.is(v.json.failures[0].code, 'MISSING_OBJECT')
  t.is(v.json.failures[0].path, 'f')
  t.is(a.run(['show', 'HEAD:f']).code, 3)
})

test('a commit whose signature does not match: log says BAD, verify fails with exit 1', async t => {
  const a = new User('alice').setup()
  a.write('f', 'x')
  a.ok(['commit', '-m', 'c'])
  const head = CID.parse(a.head())
  const id = loadIdentity(a.home)!
  const tree = CID.parse(a.ok(['log', '--json']).json.commits[0].tree)
  // signed by some other key, but claims alice as author
  const { commit } = signCommit({ type: 'acache/commit', version: 1, tree, parents: [head], author: { key: id.key, name: 'alice' }, time: new Date().toISOString(), message: 'forged' }, randomSecretKey())
  const bytes = encodeCommit(commit)
  const cid = dagJsonCid(bytes)
  await storeOf(a).put(cid, bytes)
  setRef(a, 'main', cid)
  const log = a.ok(['log', '--oneline']).stdout
  t.regex(log, /BAD forged/)
  t.regex(log, /good c/)
  const v = a.run(['verify', '--json'])
  t.is(v.code, 1)
  t.is(v.json.failures[0].code, 'BAD_SIGNATURE')
  t.is(v.json.failures[0].commit, cid.toString())
})

for (const name of ['..', '.acache', '.ACACHE', 'a/b']) {
  test(`a tree entry named ${JSON.stringify(name)} is refused on switch (exit 2, nothing written) and by verify`, async t => {
    const a = new User('alice').setup()
    a.write('keep.txt', 'mine\n')
    a.ok(['commit', '-m', 'base'])
    const store = storeOf(a)
    const payload = await storeBytes(store, new TextEncoder().encode('pwned\n'))
    const inner = await rawDir(store, [{ Name: 'config', Hash: payload.cid, Tsize: payload.tsize }])
    const tree = await rawDir(store, [
      { Name: name, Hash: name === 'a/b' ? payload.cid : inner, Tsize: 10 },
      { Name: 'keep.txt', Hash: payload.cid, Tsize: payload.tsize }
    ].sort((x, y) => Buffer.compare(Buffer.from(x.Name), Buffer.from(y.Name))))
    setRef(a, 'evil', await commitTree(a, tree, [CID.parse(a.head())]))
    const before = snapshot(a.work)
    const r = a.run(['switch', 'evil'])
    t.is(r.code, 2)
    t.regex(r.stderr, /refusing tree entry/)
    t.deepEqual(snapshot(a.work), before)
    t.is(a.read('keep.txt'), 'mine\n')
    const v = a.run(['verify', '--json'])
    t.is(v.code, 1)
    t.is(v.json.failures[0].code, 'BAD_TREE_ENTRY')
  })
}

test('git\'s symlink attack: a link to outside, then a file under the same name, never writes outside', async t => {
  const a = new User('alice').setup()
  const outside = tmpdir('acache-outside-')
  a.write('f', 'x')
  a.ok(['commit', '-m', 'base'])
  const store = storeOf(a)
  const link = await symlinkBlock(outside)
  await store.put(link.cid, link.bytes)
  const payload = await storeBytes(store, new TextEncoder().encode('pwned\n'))
  const t1 = await rawDir(store, [{ Name: 'a', Hash: link.cid, Tsize: link.bytes.byteLength }])
  const c1 = await commitTree(a, t1, [CID.parse(a.head())])
  const inner = await rawDir(store, [{ Name: 'x', Hash: payload.cid, Tsize: payload.tsize }])
  const t2 = await rawDir(store, [{ Name: 'a', Hash: inner, Tsize: 100 }])
  const c2 = await commitTree(a, t2, [c1])
  setRef(a, 'one', c1)
  setRef(a, 'two', c2)
  a.ok(['switch', 'one'])
  t.is(fs.readlinkSync(a.path('a')), outside)
  a.ok(['switch', 'two'])
  t.deepEqual(fs.readdirSync(outside), [])
  t.true(fs.lstatSync(a.path('a')).isDirectory())
  t.is(a.read('a/x'), 'pwned\n')
  // an untracked symlink standing where the target wants a directory: refused
  a.ok(['switch', 'main'])
  fs.symlinkSync(outside, a.path('a'))
  const r = a.run(['switch', 'two'])
  t.is(r.code, 1)
  t.deepEqual(fs.readdirSync(outside), [])
})

test('verify reads only what is new since the last sound verify; --full reads everything', t => {
  const a = new User('alice').setup()
  for (let i = 0; i < 50; i++) a.write(`data/f${i}.txt`, `file ${i}\n`.repeat(100))
  a.ok(['commit', '-m', 'many'])
  const first = a.ok(['verify', '--json']).json
  t.true(first.blocks > 50)
  a.write('data/f7.txt', 'changed\n')
  a.ok(['commit', '-m', 'one more'])
  const next = a.ok(['verify', '--json']).json
  t.true(next.ok)
  t.true(next.blocks <= 4, `only the new commit, its two directories and the file: ${next.blocks} blocks read`)
  t.true(next.verifiedBefore >= 1)
  t.regex(a.ok(['verify']).stdout, /found sound by an earlier verify not read again \(--full reads everything\)/)
  const full = a.ok(['verify', '--full', '--json']).json
  t.true(full.blocks >= first.blocks, 'everything read again')
  t.is(full.verifiedBefore, 0)
})
