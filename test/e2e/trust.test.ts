/**
 * Trust by construction (issue 15), part 1: ownership and signatures.
 * Each test builds the hostile objects itself (test/attack.ts), publishes
 * them as a trusted friend, and asserts: refused with its exit code, nothing
 * stored, refs unchanged, `verify` passes.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import * as dagJson from '@ipld/dag-json'
import { User } from '../helpers.js'
import { commitOf, craft, enc, file, filesOf, friends, keyOf, plant, publish, setBranch, stateOf, storeOf, treeOf } from '../attack.js'
import { decodeCommit } from '../../src/model/commit.js'
import { isDid, didFromPublicKey } from '../../src/model/did.js'
import { verifySignature } from '../../src/model/sign.js'
import { rawCid, writeDirectory, lookupPath } from '../../src/model/tree.js'

/** alice owns /datasets/a/; mallory is a trusted friend who follows her. */
function world (): { alice: User, mallory: User } {
  const alice = new User('alice').setup()
  const mallory = new User('mallory').setup()
  alice.write('.acacheowners', `/datasets/a/ ${keyOf(alice)}\n`)
  alice.write('datasets/a/train.csv', 'x,y\n1,2\n')
  alice.write('shared/notes.txt', 'open to all\n')
  alice.ok(['commit', '-m', 'root'])
  alice.ok(['push'])
  friends(alice, mallory)
  mallory.ok(['pull', 'alice'])
  return { alice, mallory }
}

/** alice fetches mallory's published head: refused with `code`, nothing changes, verify passes. */
function refused (t: any, alice: User, code: number, errorCode?: string, from = 'mallory'): void {
  const before = stateOf(alice)
  const r = alice.run(['fetch', from, '--json'])
  t.is(r.code, code, r.stdout + r.stderr)
  if (errorCode !== undefined) t.is(r.json?.error?.code, errorCode, r.stdout)
  t.deepEqual(stateOf(alice), before, 'no ref moved, no block stored')
  t.is(alice.run(['verify']).code, 0)
}

const head = (u: User, rev = 'HEAD'): CID => CID.parse(u.ok(['log', rev, '-n', '1', '--json']).json.commits[0].commit)

test('attack: a merge whose FIRST parent is a parentless commit of mallory\'s, carrying a changed owned file and his own .acacheowners', async t => {
  const { alice, mallory } = world()
  const legit = head(mallory)
  // a root of his own: alice's files, but the owned one poisoned and the rules his
  const files = await filesOf(mallory, legit)
  files.set('datasets/a/train.csv', await file(mallory, 'poisoned\n'))
  files.set('.acacheowners', await file(mallory, `/datasets/a/ ${keyOf(mallory)}\n`))
  const tree = await treeOf(mallory, files)
  const root = await commitOf(mallory, tree, [], mallory)
  // first parent his root (so a first-parent walk finds him as the root signer), second alice's head
  const merge = await commitOf(mallory, tree, [root.cid, legit], mallory)
  publish(mallory, { main: merge.cid })
  refused(t, alice, 4, 'OWNERSHIP')
  // nor does it get in by merging it locally, or unnoticed by verify
  await plant(mallory, alice, merge.cid)
  setBranch(alice, merge.cid, 'evil')
  const m = alice.run(['merge', 'evil'])
  t.is(m.code, 4, m.stderr)
  t.is(alice.read('datasets/a/train.csv'), 'x,y\n1,2\n')
  const v = alice.run(['verify', '--json'])
  t.is(v.code, 1)
  t.true(v.json.failures.some((f: any) => f.code === 'OWNERSHIP'))
})

test('attack: a merge whose first parent is from before the rules existed, taking that side\'s version of the owned file', async t => {
  const alice = new User('alice').setup()
  const mallory = new User('mallory').setup()
  alice.write('datasets/a/train.csv', 'x,y\n1,2\n')
  alice.ok(['commit', '-m', 'before rules'])
  const before = head(alice)
  alice.write('.acacheowners', `/datasets/a/ ${keyOf(alice)}\n`)
  alice.ok(['commit', '-m', 'rules'])
  alice.ok(['push'])
  friends(alice, mallory)
  mallory.ok(['pull', 'alice'])
  // a change to the file on top of the commit before the rules: no rule forbade it there
  const old = await craft(mallory, [before], { 'datasets/a/train.csv': 'poisoned\n' }, mallory)
  const files = await filesOf(mallory, head(mallory))
  files.set('datasets/a/train.csv', (await filesOf(mallory, old)).get('datasets/a/train.csv')!)
  const merge = await commitOf(mallory, await treeOf(mallory, files), [old, head(mallory)], mallory)
  publish(mallory, { main: merge.cid })
  refused(t, alice, 4, 'OWNERSHIP')
})

test('the owner of .acacheowners does not depend on parent order; an honest merge of an owner\'s change still goes through', async t => {
  const { alice, mallory } = world()
  // alice changes her file; mallory merges it with his own unowned change: fine, either parent order
  alice.write('datasets/a/train.csv', 'x,y\nalice\n')
  alice.ok(['commit', '-m', 'alice data'])
  alice.ok(['push'])
  mallory.ok(['fetch', 'alice'])
  const side = await craft(mallory, [head(mallory)], { 'shared/notes.txt': 'side\n' }, mallory)
  const aliceHead = head(mallory, 'alice/main')
  const merged = await craft(mallory, [side, aliceHead], { 'shared/notes.txt': 'side\n' }, mallory, aliceHead)
  publish(mallory, { main: merged })
  alice.ok(['fetch', 'mallory'])
  t.is(alice.ok(['verify']).code, 0)
  // rules taken over inside a merge, first parent or second: refused both ways
  for (const order of [0, 1]) {
    const files = await filesOf(mallory, merged)
    files.set('.acacheowners', await file(mallory, `/datasets/a/ ${keyOf(mallory)}\n/.acacheowners ${keyOf(mallory)}\n`))
    const tree = await treeOf(mallory, files)
    const other = await commitOf(mallory, tree, [], mallory, { message: `root ${order}` })
    const parents = order === 0 ? [other.cid, merged] : [merged, other.cid]
    const m = await commitOf(mallory, tree, parents, mallory)
    publish(mallory, { main: m.cid })
    refused(t, alice, 4, 'OWNERSHIP')
  }
})

test('attack: a commit\'s bytes smuggled in as a file are not taken as a verified commit later', async t => {
  const { alice, mallory } = world()
  // the commit he wants in: a change to alice's owned file
  const evil = await craft(mallory, [head(mallory)], { 'datasets/a/train.csv': 'poisoned\n' }, mallory)
  const evilBytes = await storeOf(mallory).get(evil)
  // first he publishes those very bytes as an ordinary file, which alice accepts
  const carrier = await craft(mallory, [head(mallory)], { 'shared/blob.bin': evilBytes }, mallory)
  t.true(rawCid(evilBytes).multihash.bytes.every((b, i) => b === evil.multihash.bytes[i]), 'same hash, other codec')
  publish(mallory, { main: carrier })
  alice.ok(['fetch', 'mallory'])
  // then the commit itself: present by hash, but never verified as a commit
  publish(mallory, { main: evil })
  refused(t, alice, 4, 'OWNERSHIP')
})

test('attack: a file equal to a directory node does not make a later fetch stop early (push either)', async t => {
  const { alice, mallory } = world()
  // the directory he will publish later, and its one file
  const secret = await file(mallory, 'the file that must come too\n')
  // built as any commit builds it, so the tree below holds this very node
  const dir = (await writeDirectory(storeOf(mallory), new Map([['inside.txt', secret]]))).cid
  const dirBytes = await storeOf(mallory).get(dir)
  const planted = await craft(mallory, [head(mallory)], { 'shared/planted.bin': dirBytes }, mallory)
  publish(mallory, { main: planted })
  alice.ok(['fetch', 'mallory'])
  const files = await filesOf(mallory, planted)
  files.set('shared/d/inside.txt', secret)
  const real = await commitOf(mallory, await treeOf(mallory, files), [planted], mallory)
  t.true((await lookupPath(storeOf(mallory), real.commit.tree, 'shared/d'))!.cid.equals(dir), 'the tree holds the planted node')
  publish(mallory, { main: real.cid })
  const r = alice.ok(['fetch', 'mallory', '--json'])
  t.true(r.json.fetched[0].blocks >= 1, 'the file under the planted directory was fetched')
  t.is(alice.ok(['show', 'mallory/main:shared/d/inside.txt']).stdout, 'the file that must come too\n')
  t.is(alice.ok(['verify']).code, 0)
  // push: a bare store holding the same bytes as a file must still get the directory's file
  const store = path.join(path.dirname(mallory.work), 'store')
  mallory.ok(['init', '--bare', store])
  mallory.ok(['remote', 'add', 'store', store, '--key', keyOf(mallory)])
  setBranch(mallory, planted)
  mallory.ok(['push', 'store'])
  setBranch(mallory, real.cid)
  mallory.ok(['push', 'store'])
  const carol = new User('carol').setup()
  carol.ok(['remote', 'add', 'mallory', store, '--key', keyOf(mallory)])
  carol.ok(['fetch', 'mallory'])
  t.is(carol.ok(['show', 'mallory/main:shared/d/inside.txt']).stdout, 'the file that must come too\n')
  t.is(carol.ok(['verify']).code, 0)
})

test('attack: fetch --depth 1, then merge: the commits read later are verified (signature and ownership)', async t => {
  const { alice, mallory } = world()
  // a commit with a broken signature, and an owned-file change, hidden below a harmless head
  const c1 = await craft(mallory, [head(mallory)], { 'shared/one.txt': '1\n' }, mallory)
  const real = decodeCommit(await storeOf(mallory).get(c1))
  const forgedBytes = dagJson.encode({ ...real, message: 'forged after signing' })
  const forged = CID.createV1(0x0129, (await import('multiformats/hashes/sha2')).sha256.digest(forgedBytes) as any)
  await storeOf(mallory).put(forged, forgedBytes)
  const top = await craft(mallory, [forged], { 'shared/two.txt': '2\n' }, mallory)
  publish(mallory, { main: top })
  const f = alice.run(['fetch', 'mallory', '--depth', '1'])
  t.is(f.code, 0, f.stderr)
  const before = alice.read('shared/notes.txt')
  const m = alice.run(['merge', 'mallory/main', '--json'])
  t.is(m.code, 4, m.stdout)
  t.is(m.json.error.code, 'BAD_SIGNATURE')
  t.is(alice.read('shared/notes.txt'), before)
  t.false(alice.exists('shared/two.txt'))
  // and one that breaks a rule below the depth
  const poison = await craft(mallory, [head(mallory, 'alice/main')], { 'datasets/a/train.csv': 'poisoned\n' }, mallory)
  const heal = await craft(mallory, [poison], { 'datasets/a/train.csv': 'x,y\n1,2\n', 'shared/three.txt': '3\n' }, mallory)
  const tip = await craft(mallory, [heal], { 'shared/four.txt': '4\n' }, mallory)
  publish(mallory, { main: tip })
  t.is(alice.run(['fetch', 'mallory', '--depth', '1']).code, 0)
  const m2 = alice.run(['merge', 'mallory/main', '--json'])
  t.is(m2.code, 4, m2.stdout)
  t.is(m2.json.error.code, 'OWNERSHIP')
  t.false(alice.exists('shared/four.txt'))
})

test('attack: a file whose bytes equal a commit block does not hide that commit from gc', async t => {
  const u = new User('solo').setup()
  u.write('only-here.txt', 'only in the first commit\n')
  u.ok(['commit', '-m', 'one'])
  const first = head(u)
  u.write('other.txt', 'second\n')
  fs.rmSync(u.path('only-here.txt'))
  u.ok(['commit', '-m', 'two'])
  // a file holding the first commit's bytes, reached before the commit itself in gc's walk
  fs.writeFileSync(u.path('blob.bin'), await storeOf(u).get(first))
  u.ok(['commit', '-m', 'three'])
  u.ok(['gc', '--now'])
  t.is(u.run(['verify']).code, 0)
  t.is(u.ok(['show', `${first.toString()}:only-here.txt`]).stdout, 'only in the first commit\n')
  t.is(u.ok(['log', '--json']).json.commits.length, 3)
})

test('weak Ed25519 keys: small-order keys are not keys, and a fixed signature verifies nothing', t => {
  // the identity point (small order): with ZIP-215 rules, R = identity and S = 0 verifies any message for it
  const weak = new Uint8Array(32); weak[0] = 1
  const did = didFromPublicKey(weak)
  t.false(isDid(did))
  const sig = new Uint8Array(64); sig[0] = 1
  t.false(verifySignature(sig, enc('anything'), did))
  // an order-8 point too
  const order8 = Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'))
  t.false(isDid(didFromPublicKey(order8)))
  const u = new User('weak').setup()
  const r = u.run(['remote', 'add', 'x', u.work, '--key', did])
  t.is(r.code, 2)
  t.regex(r.stderr, /small order|not an Ed25519/)
})

test('a repository\'s own root (its first commit, or the history it first took) may set up content for others; one from before roots were recorded is recognised', t => {
  const alice = new User('alice').setup()
  const bob = new User('bob').setup()
  // alice's first commit hands /models/ to bob and already holds a file there
  alice.write('.acacheowners', `/models/ ${keyOf(bob)}\n`)
  alice.write('models/readme.txt', 'for bob\n')
  alice.ok(['commit', '-m', 'root'])
  alice.write('notes.txt', 'n\n')
  alice.ok(['commit', '-m', 'two'])
  t.is(alice.ok(['verify']).code, 0)
  // as a repository made before .acache/roots existed
  fs.rmSync(path.join(alice.work, '.acache', 'roots'))
  t.is(alice.ok(['verify']).code, 0)
  t.true(fs.readFileSync(path.join(alice.work, '.acache', 'roots'), 'utf8').trim().length > 0, 'recorded once')
  // bob, with no history yet, takes alice's as his own (a clone): her root sets up his directory
  alice.ok(['push'])
  friends(alice, bob)
  bob.ok(['pull', 'alice'])
  t.is(bob.read('models/readme.txt'), 'for bob\n')
  t.is(bob.ok(['verify']).code, 0)
  // carol, who has a history of her own, takes a root like that from no one
  const carol = new User('carol').setup()
  carol.write('c.txt', 'c\n')
  carol.ok(['commit', '-m', 'carol'])
  friends(alice, carol)
  const r = carol.run(['fetch', 'alice', '--json'])
  t.is(r.code, 4, r.stdout)
  t.is(r.json.error.code, 'OWNERSHIP')
})
