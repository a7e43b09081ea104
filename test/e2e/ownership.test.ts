import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { User, tmpdir } from '../helpers.js'
import { storeOf } from '../attack.js'
import { flattenTree, buildTree, Entry } from '../../src/model/tree.js'
import { storeBytes } from '../../src/model/file.js'
import { signCommit, decodeCommit } from '../../src/model/commit.js'
import { loadIdentity } from '../../src/identity/identity.js'


/**
 * The attacker's tool: a commit on top of `parents[0]` with `changes`
 * (path -> content, or null to delete), signed by `signer`, written into
 * `u`'s store; `author` may differ from the signer to forge the field.
 */
async function craft (u: User, parents: CID[], changes: Record<string, string | null>, signer: User, author?: User): Promise<CID> {
  const store = storeOf(u)
  const parent = decodeCommit(await store.get(parents[0]))
  const { files } = await flattenTree(store, parent.tree)
  for (const [p, v] of Object.entries(changes)) {
    if (v === null) files.delete(p)
    else files.set(p, { ...(await storeBytes(store, new TextEncoder().encode(v))), kind: 'file' } as Entry)
  }
  const { root } = await buildTree(store, files)
  const sid = loadIdentity(signer.home)!
  const aid = loadIdentity((author ?? signer).home)!
  const { cid, bytes } = signCommit({ type: 'acache/commit', version: 1, tree: root.cid, parents, author: { key: aid.key, name: aid.name }, time: new Date().toISOString(), message: 'crafted' }, sid.secretKey)
  await store.put(cid, bytes)
  return cid
}

function setBranch (u: User, cid: CID, branch = 'main'): void {
  fs.writeFileSync(path.join(u.work, '.acache', 'refs', 'heads', branch), cid.toString() + '\n')
}

const key = (u: User): string => u.ok(['id', 'show', '--json']).json.key

/** alice owns /datasets/a/; mallory is a trusted friend of hers who follows her history. */
function world (): { alice: User, mallory: User } {
  const alice = new User('alice').setup()
  const mallory = new User('mallory').setup()
  alice.write('.acacheowners', `# who may change what\n/datasets/a/ ${key(alice)}\n`)
  alice.write('datasets/a/train.csv', 'x,y\n1,2\n')
  alice.write('shared/notes.txt', 'open to all\n')
  alice.ok(['commit', '-m', 'root'])
  alice.ok(['push'])
  mallory.ok(['remote', 'add', 'alice', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()])
  mallory.ok(['pull', 'alice'])
  alice.ok(['remote', 'add', 'mallory', mallory.ok(['id', 'export', '--publish', mallory.work]).stdout.trim()])
  return { alice, mallory }
}

async function refused (t: any, alice: User, evil: CID, code = 4): Promise<void> {
  const before = JSON.stringify(alice.ok(['branch', '-a', '--json']).json)
  const r = alice.run(['fetch', 'mallory', '--json'])
  t.is(r.code, code, r.stdout)
  if (code === 4 && r.json.error.code === 'OWNERSHIP') {
    t.regex(r.json.error.message, /commit \S+ by did:key:\S+ changes \S+, which only did:key:\S+ may change/)
  }
  t.is(JSON.stringify(alice.ok(['branch', '-a', '--json']).json), before)
  t.false(await storeOf(alice).has(evil), 'nothing from the refused history is stored')
}

test('owners: rules, who owns a path, and commit refuses a change to a path you do not own', t => {
  const { alice, mallory } = world()
  t.regex(alice.ok(['owners']).stdout, /\/datasets\/a\/\s+did:key:/)
  t.is(alice.ok(['owners', 'datasets/a/train.csv', '--json']).json.owners[0], key(alice))
  t.is(alice.ok(['owners', 'shared/notes.txt', '--json']).json.owners, null)
  // a folder answers for what is in it, named with or without its slash
  t.is(alice.ok(['owners', 'datasets/a', '--json']).json.owners[0], key(alice))
  t.is(alice.ok(['owners', 'datasets/a/', '--json']).json.owners[0], key(alice))
  t.regex(alice.ok(['owners', 'datasets/a']).stdout, /^datasets\/a: did:key:/)
  t.is(mallory.ok(['owners', '.acacheowners', '--json']).json.owners[0], key(alice))
  mallory.write('datasets/a/train.csv', 'poisoned\n')
  mallory.write('shared/notes.txt', 'mallory was here\n')
  const r = mallory.run(['commit', '-m', 'poison'])
  t.is(r.code, 4)
  t.regex(r.stderr, /datasets\/a\/train\.csv/)
  t.regex(r.stderr, new RegExp(key(alice)))
  t.is(mallory.ok(['log', '--json']).json.commits.length, 1, 'nothing recorded')
  // what he does own goes through
  mallory.ok(['restore', '--force', 'datasets/a/train.csv'])
  mallory.ok(['commit', '-m', 'notes'])
})

test('unowned paths edited by a trusted friend fetch and merge normally', t => {
  const { alice, mallory } = world()
  mallory.write('shared/notes.txt', 'edited by mallory\n')
  mallory.ok(['commit', '-m', 'notes'])
  mallory.ok(['push'])
  alice.ok(['pull', 'mallory'])
  t.is(alice.read('shared/notes.txt'), 'edited by mallory\n')
  t.is(alice.ok(['verify']).code, 0)
})

test('attack: mallory signs a change inside alice\'s owned directory', async t => {
  const { alice, mallory } = world()
  const evil = await craft(mallory, [CID.parse(mallory.head())], { 'datasets/a/train.csv': 'poisoned\n' }, mallory)
  setBranch(mallory, evil)
  mallory.ok(['push'])
  await refused(t, alice, evil)
})

test('attack: mallory makes himself owner in .acacheowners, then changes the path', async t => {
  const { alice, mallory } = world()
  const c1 = await craft(mallory, [CID.parse(mallory.head())], { '.acacheowners': `/datasets/a/ ${key(mallory)}\n` }, mallory)
  const c2 = await craft(mallory, [c1], { 'datasets/a/train.csv': 'poisoned\n' }, mallory)
  setBranch(mallory, c2)
  mallory.ok(['push'])
  await refused(t, alice, c2)
  const r = alice.run(['fetch', 'mallory'])
  t.regex(r.stderr, /\.acacheowners/)
})

test('attack: mallory re-signs alice\'s commit with his key (same tree)', async t => {
  const { alice, mallory } = world()
  alice.write('datasets/a/train.csv', 'x,y\n1,2\n3,4\n')
  alice.ok(['commit', '-m', 'more data'])
  alice.ok(['push'])
  mallory.ok(['fetch', 'alice'])
  const real = decodeCommit(await storeOf(mallory).get(CID.parse(mallory.ok(['log', 'alice/main', '-n', '1', '--json']).json.commits[0].commit)))
  const m = loadIdentity(mallory.home)!
  const { cid, bytes } = signCommit({ ...real, author: { key: m.key, name: 'mallory' } }, m.secretKey)
  await storeOf(mallory).put(cid, bytes)
  setBranch(mallory, cid)
  mallory.ok(['push'])
  await refused(t, alice, cid)
})

test('attack: a merge commit by mallory slips new content into alice\'s path', async t => {
  const { alice, mallory } = world()
  const side = await craft(mallory, [CID.parse(mallory.head())], { 'shared/notes.txt': 'side\n' }, mallory)
  alice.write('datasets/a/train.csv', 'x,y\nalice\n')
  alice.ok(['commit', '-m', 'alice data'])
  alice.ok(['push'])
  mallory.ok(['fetch', 'alice'])
  const aliceHead = CID.parse(mallory.ok(['log', 'alice/main', '-n', '1', '--json']).json.commits[0].commit)
  // a "merge" of alice's commit and his side commit, with content in neither
  const evil = await craft(mallory, [aliceHead, side], { 'shared/notes.txt': 'side\n', 'datasets/a/train.csv': 'in neither parent\n' }, mallory)
  setBranch(mallory, evil)
  mallory.ok(['push'])
  await refused(t, alice, evil)
  // the honest merge (taking alice's version) is fine
  const honest = await craft(mallory, [aliceHead, side], { 'shared/notes.txt': 'side\n' }, mallory)
  setBranch(mallory, honest)
  mallory.ok(['push'])
  alice.ok(['fetch', 'mallory'])
})

test('attack: a valid signature whose author field names another key', async t => {
  const { alice, mallory } = world()
  const evil = await craft(mallory, [CID.parse(mallory.head())], { 'datasets/a/train.csv': 'poisoned\n' }, mallory, alice)
  setBranch(mallory, evil)
  mallory.ok(['push'])
  await refused(t, alice, evil)
  t.regex(alice.run(['fetch', 'mallory']).stderr, /signature that does not match its author/)
})

test('bundle import, local merge and verify reject history that breaks a rule', async t => {
  const { alice, mallory } = world()
  const evil = await craft(mallory, [CID.parse(mallory.head())], { 'datasets/a/train.csv': 'poisoned\n' }, mallory)
  setBranch(mallory, evil)
  const file = path.join(tmpdir(), 'evil.car')
  mallory.ok(['bundle', 'create', file])
  const b = alice.run(['bundle', 'import', file, '--json'])
  t.is(b.code, 4)
  t.is(b.json.error.code, 'OWNERSHIP')
  t.is(b.json.error.data.path, 'datasets/a/train.csv')
  // mallory's own repository: verify finds it; merging it locally is refused
  const v = mallory.run(['verify', '--json'])
  t.is(v.code, 1)
  t.like(v.json.failures.find((f: any) => f.code === 'OWNERSHIP'), { commit: evil.toString(), path: 'datasets/a/train.csv' })
  setBranch(mallory, CID.parse(mallory.ok(['log', 'alice/main', '-n', '1', '--json']).json.commits[0].commit))
  setBranch(mallory, evil, 'evil')
  const m = mallory.run(['merge', 'evil'])
  t.is(m.code, 4)
})

test('in a history with no .acacheowners, only the root signer may add one', t => {
  const alice = new User('alice').setup()
  const bob = new User('bob').setup()
  alice.write('notes.txt', 'open\n')
  alice.ok(['commit', '-m', 'root'])
  alice.ok(['push'])
  bob.ok(['remote', 'add', 'alice', alice.ok(['id', 'export', '--publish', alice.work]).stdout.trim()])
  bob.ok(['pull', 'alice'])
  bob.write('notes.txt', 'edited by bob\n')
  bob.ok(['commit', '-m', 'an edit: no rules, nothing owned'])
  bob.write('.acacheowners', `/ ${key(bob)}\n`)
  const r = bob.run(['commit', '-m', 'bob claims everything'])
  t.is(r.code, 4)
  t.regex(r.stderr, /\.acacheowners, which only did:key:\S+ may change/)
  alice.write('.acacheowners', `/notes.txt ${key(alice)}\n`)
  alice.ok(['commit', '-m', 'the root signer may'])
})

test('a commit that leaves .acacheowners alone does not read the history back to the root', async t => {
  const alice = new User('alice').setup()
  alice.write('.acacheowners', `/data/ ${key(alice)}\n`)
  alice.write('data/x', '1')
  alice.ok(['commit', '-m', 'root'])
  alice.write('data/x', '2')
  alice.ok(['commit', '-m', 'second'])
  // the root commit's block goes missing (as after a shallow fetch with no remote to ask)
  const commits = alice.ok(['log', '--json']).json.commits
  await storeOf(alice).delete(CID.parse(commits[commits.length - 1].commit))
  alice.write('data/x', '3')
  t.is(alice.run(['commit', '-m', 'third']).code, 0)
  // changing .acacheowners needs the root signer, so the history: the missing block is reported
  alice.write('.acacheowners', `/data/ ${key(alice)}\n/other/ ${key(alice)}\n`)
  const r = alice.run(['commit', '-m', 'owners'])
  t.is(r.code, 3)
  t.regex(r.stderr, /missing|not found/i)
})
