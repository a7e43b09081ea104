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
