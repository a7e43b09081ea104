import test from 'ava'
import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { StatCache, IndexEntry } from '../../src/worktree/status/stat-cache.js'
import { RepoLayout } from '../../src/repo/layout.js'
import { tmpdir } from '../helpers.js'

async function cidOf (n: number): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(String(n)))).toString()
}

test('the index reads back what was written, after entries are read, changed, removed and added', async t => {
  const dir = tmpdir()
  const repo = { layout: new RepoLayout(dir) } as any
  const tree = CID.parse(await cidOf(-1))
  const expected = new Map<string, IndexEntry>()
  for (let i = 0; i < 1000; i++) {
    expected.set(`d${i % 7}/f${i}`, { kind: i % 3 === 0 ? 'exec' : 'file', cid: await cidOf(i), tsize: i, size: i * 2, mtimeMs: 1e12 + i + 0.5, ctimeMs: 1e12 + i, ino: 1000 + i })
  }
  new StatCache(tree, expected, new Map([['', { cid: tree, tsize: 0 }]])).save(repo)
  t.deepEqual(new Map(StatCache.read(repo)!.entries), expected) // (reading every entry makes objects of them all)
  const first = StatCache.read(repo)!

  // change it the way commit and status do: some read as objects, some replaced, removed, added
  const e = first.entries
  e.get('d3/f10')
  e.get('d3/f500')
  for (const p of ['d0/f7', 'd1/f8', 'd5/f999']) {
    t.truthy(expected.get(p))
    const changed: IndexEntry = { ...expected.get(p)!, cid: await cidOf(5000), size: -1 }
    e.set(p, changed)
    expected.set(p, changed)
  }
  for (const p of ['d0/f0', 'd2/f9', 'd4/f998']) { t.true(e.delete(p)); expected.delete(p) }
  const added: IndexEntry = { kind: 'symlink', cid: await cidOf(7000), tsize: 3, size: 3, mtimeMs: 1, ctimeMs: 2, ino: 3 }
  e.set('new/link', added)
  expected.set('new/link', added)
  new StatCache(tree, e, first.dirs).save(repo)
  const second = StatCache.read(repo)!
  t.deepEqual(new Map(second.entries), expected)
  t.deepEqual([...second.entries.keys()], [...expected.keys()])
})

test('an index with any byte changed is not trusted (CRC-32); one of the version before, without it, is still read', async t => {
  const dir = tmpdir()
  const repo = { layout: new RepoLayout(dir) } as any
  const tree = CID.parse(await cidOf(-1))
  const entries = new Map<string, IndexEntry>([['a/one', { kind: 'file', cid: await cidOf(1), tsize: 1, size: 1, mtimeMs: 1, ctimeMs: 1, ino: 1 }]])
  new StatCache(tree, entries, new Map([['', { cid: tree, tsize: 0 }]])).save(repo)
  const good = fs.readFileSync(repo.layout.index)
  t.truthy(StatCache.read(repo))
  // a path's letter flipped ("a/one" -> "a/onf"): without the check the next commit would record it
  const flipped = Buffer.from(good)
  flipped[flipped.lastIndexOf(Buffer.from('a/one')) + 4] ^= 1
  fs.writeFileSync(repo.layout.index, flipped)
  t.is(StatCache.read(repo), undefined)
  // version 3: the same bytes without the CRC
  const old = Buffer.from(good.subarray(0, good.length - 4))
  old.writeUInt32LE(3, 4)
  fs.writeFileSync(repo.layout.index, old)
  t.deepEqual(new Map(StatCache.read(repo)!.entries), entries)
})

test('the index answers which tree HEAD has only for the commit it was saved with; for any other, the commit is read', async t => {
  const dir = tmpdir()
  const trees = new Map<string, CID>()
  const reads: string[] = []
  const repo = {
    layout: new RepoLayout(dir),
    readCommit: async (c: CID) => { reads.push(c.toString()); return { tree: trees.get(c.toString())! } }
  } as any
  const [c1, c2] = [CID.parse(await cidOf(101)), CID.parse(await cidOf(102))]
  const t1 = CID.parse(await cidOf(201))
  trees.set(c1.toString(), t1)
  trees.set(c2.toString(), t1) // another commit of the same tree (as after an empty commit)
  const entries = new Map<string, IndexEntry>([['a', { kind: 'file', cid: await cidOf(1), tsize: 1, size: 1, mtimeMs: 1, ctimeMs: 1, ino: 1 }]])

  // saved without a commit (as a checkout saves it): HEAD is read, and its tree matches
  new StatCache(t1, entries, new Map()).save(repo)
  let r = await StatCache.forHead(repo, c1)
  t.deepEqual(reads, [c1.toString()])
  t.true(r.headTree!.equals(t1))
  t.true(r.cache.fromDisk)
  // which the cache now knows, and keeps when saved
  t.is(r.cache.commit, c1.toString())
  r.cache.save(repo)
  reads.length = 0
  r = await StatCache.forHead(repo, c1)
  t.deepEqual(reads, [])
  t.true(r.headTree!.equals(t1))
  t.true(r.cache.fromDisk)
  // HEAD moved to another commit of the same tree: read, and the index still serves
  r = await StatCache.forHead(repo, c2)
  t.deepEqual(reads, [c2.toString()])
  t.true(r.cache.fromDisk)
  // a cache made for a tree alone (a checkout's) records no commit
  new StatCache(t1, entries, new Map()).save(repo)
  t.is(StatCache.read(repo)!.commit, undefined)
  // no commit given: the empty cache, nothing read
  reads.length = 0
  r = await StatCache.forHead(repo, undefined)
  t.is(r.headTree, undefined)
  t.deepEqual(reads, [])
})
