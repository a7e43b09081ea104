/**
 * Trust, issue 25 items 2 and 3: names a file system makes one. A friend's
 * tree may not spell `.acache` or `.git` in a way Windows or macOS turns
 * into them (git's CVE-2014-9390 / CVE-2019-1353 class), nor escape an
 * ownership rule by letter case or Unicode normalization, nor hold two
 * names one case-insensitive file system makes one file.
 */
import test from 'ava'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { User } from '../helpers.js'
import { commitOf, craft, dirNode, file, friends, keyOf, publish, stateOf, storeOf } from '../attack.js'
import { decodeCommit } from '../../src/model/commit.js'
import { pbCid } from '../../src/model/tree.js'
import { reservedAlias, foldName } from '../../src/model/names.js'

/** alice owns /datasets/a/; mallory is a trusted friend who has her history. */
function world (): { alice: User, mallory: User } {
  const alice = new User('alice').setup()
  const mallory = new User('mallory').setup()
  alice.write('.acacheowners', `/datasets/a/ ${keyOf(alice)}\n/models/ ${keyOf(alice)}\n`)
  alice.write('datasets/a/train.csv', 'x,y\n1,2\n')
  alice.write('shared/notes.txt', 'open to all\n')
  alice.ok(['commit', '-q', '-m', 'root'])
  alice.ok(['push'])
  friends(alice, mallory)
  mallory.ok(['pull', 'alice'])
  return { alice, mallory }
}

const headOf = (u: User): CID => CID.parse(u.ok(['log', '-1', '--format=%H']).stdout.trim())

/** alice fetches mallory's head: refused with `code`, nothing stored, no ref moved. */
function refused (t: any, alice: User, code: number, error: string, what: string): void {
  const before = stateOf(alice)
  const r = alice.run(['fetch', 'mallory', '--json'])
  t.is(r.code, code, `${what}: ${r.stdout}${r.stderr}`)
  t.is(r.json?.error?.code, error, what)
  t.deepEqual(stateOf(alice), before, `${what}: nothing changed`)
}

/** The root of `tree` with one more link (any name), stored in u's store. */
async function withLink (u: User, tree: CID, name: string, cid: CID): Promise<CID> {
  const node = dagPb.decode(await storeOf(u).get(tree))
  const bytes = dagPb.encode(dagPb.prepare({ Data: node.Data, Links: [...node.Links, { Name: name, Hash: cid, Tsize: 1 }] }))
  const root = pbCid(bytes)
  await storeOf(u).put(root, bytes)
  return root
}

test('the spellings of .acache and .git that Windows and macOS file systems alias are reserved names (unit)', t => {
  for (const n of ['.acache', '.ACACHE', 'ACACHE~1', 'acache~2', '.acache.', '.acache ', '.acache. . ', '.ac\u200cache', '.acache\u200d', '\ufeff.acache', '.acache::$INDEX_ALLOCATION', '.git', '.GiT', 'GIT~1', '.git.', '.g\u200cit', '.git:stream']) {
    t.not(reservedAlias(n), undefined, JSON.stringify(n))
  }
  for (const n of ['acache', '.acache-x', '.acachee', 'x.acache', '.gitignore', '.github', 'git~', 'acache~x', 'ACACHE~1x']) t.is(reservedAlias(n), undefined, JSON.stringify(n))
  t.is(foldName('Datasets/A/Ünï'), foldName('datasets/a/u\u0308ni\u0308'), 'case and normalization')
})

test('attack: a friend\'s tree holding .acache or .git under another spelling is refused; nothing of it lands', async t => {
  const { alice, mallory } = world()
  const base = headOf(mallory)
  const baseTree = decodeCommit(await storeOf(mallory).get(base)).tree
  const hook = await file(mallory, '#!/bin/sh\necho pwned > /tmp/acache-pwned\n')
  const hooks = await dirNode(mallory, [{ name: 'hooks', cid: await dirNode(mallory, [{ name: 'post-merge', cid: hook.cid }]) }])
  for (const name of ['ACACHE~1', '.acache.', '.acache ', '.ac\u200cache', '.GIT', 'git~1', '.git ', '.acache::$INDEX_ALLOCATION']) {
    const tree = await withLink(mallory, baseTree, name, hooks)
    const c = await commitOf(mallory, tree, [base], mallory)
    publish(mallory, { main: c.cid })
    refused(t, alice, 2, 'BAD_TREE_ENTRY', JSON.stringify(name))
  }
  // deeper in the tree too
  const deep = await withLink(mallory, baseTree, 'shared2', await dirNode(mallory, [{ name: '.Acache', cid: hooks }]))
  publish(mallory, { main: (await commitOf(mallory, deep, [base], mallory)).cid })
  refused(t, alice, 2, 'BAD_TREE_ENTRY', 'shared2/.Acache')
})

test('attack: ownership holds whatever the letter case or normalization: Datasets/A/train.csv and .ACACHEOWNERS are owned; two names one file elsewhere are refused', async t => {
  const { alice, mallory } = world()
  const base = headOf(mallory)
  // an owned folder not there yet, spelled otherwise: the rule /models/ owns it all the same
  for (const p of ['Models/weights.bin', 'MODELS/x', 'mode\u200cls/y']) {
    publish(mallory, { main: await craft(mallory, [base], { [p]: 'poisoned\n' }, mallory) })
    refused(t, alice, 4, 'OWNERSHIP', p)
  }
  // beside the owned ones, another spelling is two names one file: refused before anything else
  for (const p of ['Datasets/A/train.csv', 'datasets/A/train.csv', '.ACACHEOWNERS', '.Acacheowners']) {
    publish(mallory, { main: await craft(mallory, [base], { [p]: 'poisoned\n' }, mallory) })
    refused(t, alice, 2, 'BAD_TREE_ENTRY', p)
  }
  // two names a case-insensitive file system makes one file, where no rule owns them
  publish(mallory, { main: await craft(mallory, [base], { 'shared/NOTES.txt': 'which one wins?\n' }, mallory) })
  refused(t, alice, 2, 'BAD_TREE_ENTRY', 'shared/notes.txt beside shared/NOTES.txt')
  publish(mallory, { main: await craft(mallory, [base], { 'shared/caf\u00e9': 'nfc\n', 'shared/cafe\u0301': 'nfd\n' }, mallory) })
  refused(t, alice, 2, 'BAD_TREE_ENTRY', 'NFC and NFD spellings side by side')
  // an honest change is still taken
  publish(mallory, { main: await craft(mallory, [base], { 'shared/notes.txt': 'edited\n' }, mallory) })
  alice.ok(['fetch', 'mallory'])
  t.is(alice.ok(['show', 'mallory/main:shared/notes.txt']).stdout, 'edited\n')
})

test('a working root never records an aliased name: ACACHE~1 and .git. stay out of commits', t => {
  const u = new User('local').setup()
  u.write('ACACHE~1/hooks/post-merge', 'x')
  u.write('.git./config', 'x')
  u.write('ok.txt', 'ok\n')
  u.ok(['commit', '-q', '-m', 'one'])
  t.deepEqual(u.ok(['show', 'HEAD:', '--json']).json.entries.map((e: any) => e.name), ['ok.txt'])
})
