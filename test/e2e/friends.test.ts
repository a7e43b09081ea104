import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { CarReader } from '@ipld/car'
import { User, tmpdir, storedBytes, replaceStoredBlock, removeStoredBlock } from '../helpers.js'
import { loadIdentity } from '../../src/identity/identity.js'
import { signHead, headFileName } from '../../src/model/head.js'
import { randomSecretKey } from '../../src/model/sign.js'
import { CID } from 'multiformats/cid'

/** alice with one commit, published in her own repository; bob, who added her from her message. */
function pair (): { alice: User, bob: User } {
  const alice = new User('alice').setup()
  alice.write('README', 'shared project\n')
  alice.write('notes.txt', 'one\ntwo\nthree\n')
  alice.ok(['commit', '-m', 'alice 1'])
  alice.ok(['push'])
  const msg = alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()
  const bob = new User('bob').setup()
  bob.ok(['remote', 'add', 'alice', msg])
  return { alice, bob }
}

function refs (u: User): string {
  return JSON.stringify(u.ok(['branch', '-a', '--json']).json.branches)
}

test('alice, bob and carol: edits both ways, a conflict bob resolves, carol by bundle only', t => {
  const { alice, bob } = pair()
  const f = bob.ok(['fetch', 'alice', '--json']).json.fetched[0]
  t.is(f.seq, 1)
  t.deepEqual(f.refs.map((r: any) => r.ref), ['refs/remotes/alice/main'])
  bob.ok(['merge', 'alice/main'])
  t.is(bob.read('README'), 'shared project\n')
  // both edit the same line
  bob.write('notes.txt', 'one\nBOB\nthree\n')
  bob.ok(['commit', '-m', 'bob edits'])
  bob.ok(['push'])
  alice.write('notes.txt', 'one\nALICE\nthree\n')
  alice.ok(['commit', '-m', 'alice edits'])
  alice.ok(['push'])
  alice.ok(['remote', 'add', 'bob', bob.ok(['id', 'export', '--publish', bob.work]).stdout.trim()])
  // bob pulls alice: conflict, resolved by bob
  const pull = bob.run(['pull', 'alice'])
  t.is(pull.code, 1)
  t.regex(bob.read('notes.txt'), /<<<<<<< ours\nBOB\n/)
  bob.write('notes.txt', 'one\nALICE and BOB\nthree\n')
  bob.ok(['commit', '-m', 'merge alice'])
  bob.ok(['push'])
  // alice takes bob's resolution: a fast-forward
  const ap = alice.ok(['pull', 'bob', '--json']).json
  t.is(ap.merge.result, 'fast-forward')
  t.is(alice.read('notes.txt'), 'one\nALICE and BOB\nthree\n')
  t.is(alice.ok(['verify']).code, 0)
  // carol gets alice's work only through a file
  const carol = new User('carol').setup()
  carol.ok(['remote', 'add', 'alice', alice.ok(['id', 'export', '--publish', '/nowhere/alice']).stdout.trim()])
  const bundle = path.join(tmpdir(), 'alice.car')
  alice.ok(['bundle', 'create', bundle])
  const imp = carol.ok(['bundle', 'import', bundle, '--json']).json
  t.deepEqual(imp.refs.map((r: any) => r.ref), ['refs/remotes/alice/main'])
  carol.ok(['merge', 'alice/main'])
  t.is(carol.read('notes.txt'), 'one\nALICE and BOB\nthree\n')
  const log = carol.ok(['log', '--json']).json.commits
  t.true(log.every((c: any) => c.signature === 'good'))
  t.deepEqual([...new Set(log.map((c: any) => c.author.name))].sort(), ['alice', 'bob'])
  t.is(carol.ok(['verify']).code, 0)
})

test('a bundle is a standard CAR file: @ipld/car reads it, its root is the signed head', async t => {
  const a = new User('alice').setup()
  a.write('f', 'x')
  a.ok(['commit', '-m', 'x'])
  const file = path.join(tmpdir(), 'b.car')
  const r = a.ok(['bundle', 'create', file, '--json']).json
  const reader = await CarReader.fromBytes(fs.readFileSync(file))
  const roots = await reader.getRoots()
  t.is(roots[0].toString(), r.head)
  let n = 0
  for await (const _ of reader.blocks()) n++
  t.is(n, r.blocks)
})

test('push to a bare store and fetch from it; fetch copies only the blocks it lacks', t => {
  const alice = new User('alice').setup()
  for (let d = 0; d < 20; d++) for (let f = 0; f < 15; f++) alice.write(`d${d}/f${f}.txt`, `${d}/${f}\n`)
  alice.ok(['commit', '-m', 'big tree'])
  const store = path.join(tmpdir(), 'alice-store')
  alice.ok(['init', '--bare', store])
  const key = alice.ok(['id', 'show', '--json']).json.key
  alice.ok(['remote', 'add', 'pub', store, '--key', key])
  const p1 = alice.ok(['push', 'pub', '--json']).json
  t.true(p1.blocks > 300)
  const bob = new User('bob').setup()
  bob.ok(['remote', 'add', 'alice', store, '--key', key])
  const f1 = bob.ok(['fetch', '--json']).json.fetched[0]
  t.is(f1.blocks, p1.blocks)
  alice.write('d7/f3.txt', 'changed\n')
  alice.ok(['commit', '-m', 'one change'])
  const p2 = alice.ok(['push', 'pub', '--json']).json
  t.is(p2.blocks, 4) // commit, root, d7, the file
  t.is(p2.seq, 2)
  const f2 = bob.ok(['fetch', 'alice', '--json']).json.fetched[0]
  t.is(f2.blocks, 4)
  t.is(f2.commits, 1)
  t.is(bob.ok(['fetch', 'alice', '--json']).json.fetched[0].upToDate, true)
})

test('a head signed by another key is refused (exit 4), refs untouched', async t => {
  const { alice, bob } = pair()
  bob.ok(['fetch', 'alice'])
  const before = refs(bob)
  // mallory writes a head of his own where alice publishes
  const id = loadIdentity(alice.home)!
  const mallory = randomSecretKey()
  const { bytes } = signHead({ type: 'acache/head', version: 1, key: id.key, seq: 99, time: new Date().toISOString(), heads: {} }, mallory)
  fs.writeFileSync(path.join(alice.work, '.acache', 'published', headFileName(id.key)), bytes)
  const r = bob.run(['fetch', 'alice'])
  t.is(r.code, 4)
  t.regex(r.stderr, /signature/)
  t.is(refs(bob), before)
  // a head for another key entirely
  const { didFromPublicKey } = await import('../../src/model/did.js')
  const { publicKeyOf } = await import('../../src/model/sign.js')
  const other = signHead({ type: 'acache/head', version: 1, key: didFromPublicKey(publicKeyOf(mallory)), seq: 100, time: new Date().toISOString(), heads: {} }, mallory)
  fs.writeFileSync(path.join(alice.work, '.acache', 'published', headFileName(id.key)), other.bytes)
  const r2 = bob.run(['fetch', 'alice', '--json'])
  t.is(r2.code, 4)
  t.is(r2.json.error.code, 'UNTRUSTED_KEY')
  t.is(refs(bob), before)
})

test('a replayed older head is refused, naming both seqs', t => {
  const { alice, bob } = pair()
  const file = path.join(alice.work, '.acache', 'published', headFileName(alice.ok(['id', 'show', '--json']).json.key))
  const old = fs.readFileSync(file)
  alice.write('more', 'x')
  alice.ok(['commit', '-m', 'two'])
  alice.ok(['push'])
  bob.ok(['fetch', 'alice'])
  const before = refs(bob)
  fs.writeFileSync(file, old)
  const r = bob.run(['fetch', 'alice'])
  t.is(r.code, 4)
  t.regex(r.stderr, /seq is 1, but seq 2 was already accepted/)
  t.is(refs(bob), before)
})

test('a block whose bytes do not match its CID, and a missing block: refused, refs untouched, can be run again', async t => {
  const { alice, bob } = pair()
  const cid = CID.parse(alice.ok(['show', 'HEAD:', '--json']).json.entries.find((e: any) => e.name === 'notes.txt').cid)
  const good = await storedBytes(alice, cid)
  await replaceStoredBlock(alice, cid, Buffer.from('tampered'))
  const before = refs(bob)
  const r = bob.run(['fetch', 'alice'])
  t.is(r.code, 2)
  t.regex(r.stderr, /do not match its CID/)
  t.is(refs(bob), before)
  await removeStoredBlock(alice, cid)
  const m = bob.run(['fetch', 'alice'])
  t.is(m.code, 3)
  t.is(refs(bob), before)
  await replaceStoredBlock(alice, cid, good)
  bob.ok(['fetch', 'alice'])
  bob.ok(['merge', 'alice/main'])
  t.is(bob.read('notes.txt'), 'one\ntwo\nthree\n')
})

test('garbage and truncated bundles, bad messages, a remote that does not exist: clear errors', t => {
  const { alice, bob } = pair()
  const dir = tmpdir()
  fs.writeFileSync(path.join(dir, 'garbage.car'), 'this is not a car file')
  const g = bob.run(['bundle', 'import', path.join(dir, 'garbage.car')])
  t.is(g.code, 2)
  t.is(g.stderr.split('\n').filter(l => l.startsWith('error:')).length, 1)
  alice.ok(['bundle', 'create', path.join(dir, 'good.car')])
  const bytes = fs.readFileSync(path.join(dir, 'good.car'))
  fs.writeFileSync(path.join(dir, 'cut.car'), bytes.subarray(0, bytes.length - 20))
  const before = refs(bob)
  t.is(bob.run(['bundle', 'import', path.join(dir, 'cut.car')]).code, 2)
  t.is(refs(bob), before)
  const msg = alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()
  const broken = msg.slice(0, 20) + (msg[20] === 'A' ? 'B' : 'A') + msg.slice(21)
  const b1 = bob.run(['remote', 'add', 'x', broken])
  t.is(b1.code, 2)
  t.regex(b1.stderr, /checksum|damaged/)
  t.is(bob.run(['remote', 'add', 'y', 'ipfs:' + msg.slice(7)]).code, 2)
  bob.ok(['remote', 'add', 'ghost', '/no/such/place', '--key', alice.ok(['id', 'show', '--json']).json.key])
  const gh = bob.run(['fetch', 'ghost'])
  t.is(gh.code, 5)
  t.regex(gh.stderr, /does not exist/)
  // a bundle from someone who is not a remote
  const stranger = new User('stranger').setup()
  stranger.write('s', 's')
  stranger.ok(['commit', '-m', 's'])
  stranger.ok(['bundle', 'create', path.join(dir, 'stranger.car')])
  const st = bob.run(['bundle', 'import', path.join(dir, 'stranger.car')])
  t.is(st.code, 4)
  t.regex(st.stderr, /not the key of any remote/)
})

test('hooks: pre-push can refuse, post-fetch runs', t => {
  const { alice, bob } = pair()
  fs.writeFileSync(path.join(alice.work, '.acache/hooks/pre-push'), '#!/bin/sh\necho "no pushing on fridays" >&2\nexit 1\n', { mode: 0o755 })
  const r = alice.run(['push'])
  t.is(r.code, 1)
  t.regex(r.stderr, /no pushing on fridays/)
  alice.ok(['push', '--no-verify'])
  fs.writeFileSync(path.join(bob.work, '.acache/hooks/post-fetch'), '#!/bin/sh\necho "$@" > "$ACACHE_DIR/fetched"\n', { mode: 0o755 })
  bob.ok(['fetch'])
  t.is(fs.readFileSync(path.join(bob.work, '.acache/fetched'), 'utf8'), 'alice\n')
})
