import test from 'ava'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { MemoryBlockStore } from '../../src/store/blockstore.js'
import { buildTree, flattenTree, Entry, symlinkBlock } from '../../src/model/tree.js'
import { storeBytes, readFileBytes } from '../../src/model/file.js'
import { mergeTrees } from '../../src/merge/trees.js'
import { mergeBases } from '../../src/merge/base.js'
import { diff3Text } from '../../src/merge/text.js'

type Spec = Record<string, string | { exec: string } | { link: string } | { bin: number[] }>

async function mk (store: MemoryBlockStore, spec: Spec): Promise<CID> {
  const files = new Map<string, Entry>()
  for (const [p, v] of Object.entries(spec)) {
    if (typeof v === 'string') files.set(p, { ...(await storeBytes(store, new TextEncoder().encode(v))), kind: 'file' })
    else if ('exec' in v) files.set(p, { ...(await storeBytes(store, new TextEncoder().encode(v.exec), true)), kind: 'exec' })
    else if ('bin' in v) files.set(p, { ...(await storeBytes(store, Uint8Array.from(v.bin))), kind: 'file' })
    else {
      const l = await symlinkBlock(v.link)
      await store.put(l.cid, l.bytes)
      files.set(p, { cid: l.cid, tsize: l.bytes.byteLength, kind: 'symlink' })
    }
  }
  return (await buildTree(store, files)).root.cid
}

async function contents (store: MemoryBlockStore, tree: CID): Promise<Record<string, string>> {
  const { files } = await flattenTree(store, tree)
  const out: Record<string, string> = {}
  for (const [p, e] of [...files].sort()) {
    out[p] = e.kind === 'symlink' ? 'link' : (e.kind === 'exec' ? 'x:' : '') + Buffer.from(await readFileBytes(store, e.cid)).toString('latin1')
  }
  return out
}

async function run (base: Spec | undefined, ours: Spec, theirs: Spec) {
  const store = new MemoryBlockStore()
  const r = await mergeTrees(store, base === undefined ? undefined : await mk(store, base), await mk(store, ours), await mk(store, theirs))
  return { files: await contents(store, r.tree.cid), conflicts: r.conflicts.map(c => `${c.kind} ${c.path} ${c.sidecars.join(',')}`), r, store }
}

test('a change on one side only is taken; on both sides alike, once', async t => {
  const r = await run({ a: '1', b: '1', c: '1' }, { a: '2', b: '1', c: '3' }, { a: '1', b: '2', c: '3' })
  t.deepEqual(r.files, { a: '2', b: '2', c: '3' })
  t.deepEqual(r.conflicts, [])
})

test('additions and deletions in different places, and a rename (delete + add), merge cleanly', async t => {
  const r = await run({ 'd/a': 'a', 'd/b': 'b', keep: 'k' }, { 'd/a': 'a', keep: 'k', 'new/ours': 'o' }, { 'd/b': 'b', 'd/a2': 'a', keep: 'k', 'x/theirs': 't' })
  t.deepEqual(r.files, { 'd/a2': 'a', keep: 'k', 'new/ours': 'o', 'x/theirs': 't' })
  t.deepEqual(r.conflicts, [])
})

test('text changed on both sides in different lines merges line by line', async t => {
  const r = await run({ f: 'a\nb\nc\nd\ne\n' }, { f: 'A\nb\nc\nd\ne\n' }, { f: 'a\nb\nc\nd\nE\n' })
  t.deepEqual(r.files, { f: 'A\nb\nc\nd\nE\n' })
  t.deepEqual(r.conflicts, [])
})

test('text changed on both sides in the same line gets diff3 markers in place', async t => {
  const r = await run({ f: 'a\nb\nc\n' }, { f: 'a\nOURS\nc\n' }, { f: 'a\nTHEIRS\nc\n' })
  t.is(r.files.f, 'a\n<<<<<<< ours\nOURS\n||||||| base\nb\n=======\nTHEIRS\n>>>>>>> theirs\nc\n')
  t.deepEqual(r.conflicts, ['content f '])
  t.true(r.r.conflicts[0].markers)
})

test('binary changed on both sides: ours at PATH, theirs and base beside it', async t => {
  const r = await run({ b: { bin: [0, 1] } }, { b: { bin: [0, 2] } }, { b: { bin: [0, 3] } })
  t.deepEqual(r.files, { b: '\x00\x02', 'b.theirs': '\x00\x03', 'b.base': '\x00\x01' })
  t.deepEqual(r.conflicts, ['binary b b.theirs,b.base'])
})

test('modify/delete and delete/modify keep every byte', async t => {
  const r = await run({ m: 'base', d: 'base' }, { m: 'ours', }, { d: 'theirs' })
  // ours modified m, theirs deleted it; ours deleted d, theirs modified it
  t.deepEqual(r.files, { m: 'ours', 'm.base': 'base', 'd.theirs': 'theirs', 'd.base': 'base' })
  t.deepEqual(r.conflicts, ['delete/modify d d.theirs,d.base', 'modify/delete m m.base'])
})

test('add/add with different content; the same content added on both sides is fine', async t => {
  const r = await run({}, { n: 'ours', same: 's' }, { n: 'theirs', same: 's' })
  t.deepEqual(r.files, { n: 'ours', 'n.theirs': 'theirs', same: 's' })
  t.deepEqual(r.conflicts, ['add/add n n.theirs'])
})

test('file/directory clash keeps both sides\' files', async t => {
  const r = await run({}, { x: 'file' }, { 'x/y': 'in dir', 'x/z': 'z' })
  t.deepEqual(r.files, { x: 'file', 'x.theirs/y': 'in dir', 'x.theirs/z': 'z' })
  t.deepEqual(r.conflicts, ['file/directory x x.theirs'])
  const r2 = await run({}, { 'x/y': 'in dir' }, { x: 'file' })
  t.deepEqual(r2.files, { 'x/y': 'in dir', 'x.theirs': 'file' })
})

test('symlink clash and exec-bit clash: ours stays, theirs beside', async t => {
  const r = await run({ l: { link: 'a' } }, { l: { link: 'b' } }, { l: 'now a file' })
  t.deepEqual(r.conflicts, ['symlink l l.theirs,l.base'])
  t.is(r.files['l.theirs'], 'now a file')
  const m = await run({}, { s: { exec: 'same' } }, { s: 'same' })
  t.deepEqual(m.conflicts, ['mode s s.theirs'])
  t.deepEqual(m.files, { s: 'x:same', 's.theirs': 'same' })
})

test('the exec bit merges: one side chmods, the other edits', async t => {
  const r = await run({ s: 'v1\n' }, { s: { exec: 'v1\n' } }, { s: 'v2\n' })
  t.deepEqual(r.files, { s: 'x:v2\n' })
  t.deepEqual(r.conflicts, [])
})

test('subtrees changed on one side only are not read', async t => {
  const store = new MemoryBlockStore()
  const spec: Spec = {}
  for (let d = 0; d < 100; d++) for (let f = 0; f < 10; f++) spec[`d${d}/f${f}`] = `${d}/${f}`
  const base = await mk(store, spec)
  const ours = await mk(store, { ...spec, 'd1/f1': 'ours' })
  const theirs = await mk(store, { ...spec, 'd2/f2': 'theirs' })
  const r = await mergeTrees(store, base, ours, theirs)
  t.is(r.dirsRead, 3) // the three roots; d1 and d2 are taken whole
  const files = await contents(store, r.tree.cid)
  t.is(files['d1/f1'], 'ours')
  t.is(files['d2/f2'], 'theirs')
})

test('merge bases: linear, forked, and criss-cross (two best bases, sorted)', async t => {
  const g: Record<string, string[]> = { a: [], b: ['a'], c: ['b'], d: ['b'], e: ['c', 'd'], f: ['d', 'c'] }
  const parentsOf = async (id: string): Promise<string[]> => g[id]
  t.deepEqual(await mergeBases('c', 'd', parentsOf), ['b'])
  t.deepEqual(await mergeBases('c', 'b', parentsOf), ['b'])
  t.deepEqual(await mergeBases('e', 'f', parentsOf), ['c', 'd'])
  t.deepEqual(await mergeBases('f', 'e', parentsOf), ['c', 'd'])
})

const specArb = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd/e', 'd/f', 'g/h/i'), fc.constantFrom('1\n2\n3\n', 'x\n', 'y\n', '1\nX\n3\n', '1\n2\nY\n'), { maxKeys: 6 })
  .filter(s => !(('d/e' in s || 'd/f' in s) && 'd' in s))

test('property: merging with itself or with an ancestor changes nothing', async t => {
  await t.notThrowsAsync(fc.assert(fc.asyncProperty(specArb, specArb, async (base, ours) => {
    const store = new MemoryBlockStore()
    const [b, o] = [await mk(store, base), await mk(store, ours)]
    const self = await mergeTrees(store, o, o, o)
    const anc = await mergeTrees(store, b, o, b)
    return self.tree.cid.equals(o) && anc.tree.cid.equals(o) && self.conflicts.length === 0 && anc.conflicts.length === 0
  }), { numRuns: 60, seed: 42 }))
})

test('property: A into B and B into A give the same tree when nothing conflicts', async t => {
  let clean = 0
  await fc.assert(fc.asyncProperty(specArb, specArb, specArb, async (base, x, y) => {
    const store = new MemoryBlockStore()
    const [b, a, c] = [await mk(store, base), await mk(store, x), await mk(store, y)]
    const ab = await mergeTrees(store, b, a, c)
    const ba = await mergeTrees(store, b, c, a)
    if (ab.conflicts.length > 0 || ba.conflicts.length > 0) return ba.conflicts.length > 0 && ab.conflicts.length > 0
    clean++
    return ab.tree.cid.equals(ba.tree.cid)
  }), { numRuns: 150, seed: 7 })
  t.true(clean > 10, `only ${clean} clean merges were tried`)
})

test('diff3 keeps line endings and takes false conflicts once', t => {
  const r = diff3Text(Buffer.from('a\nb'), Buffer.from('a\nc'), Buffer.from('a\nc'), { ours: 'o', base: 'b', theirs: 't' })
  t.deepEqual({ clean: r.clean, text: r.bytes.toString() }, { clean: true, text: 'a\nc' })
})

test('a side whose CID differs from the base only by chunking (same bytes) is unchanged: the other side wins, no binary conflict', async t => {
  const store = new MemoryBlockStore()
  // 3 MiB of varied bytes: fixed and CDC chunking give different blocks and so different CIDs
  const big = Buffer.alloc(3 << 20)
  let x = 2463534242
  for (let i = 0; i < big.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; big[i] = x & 0xff } // xorshift: no structure for CDC to follow
  const edited = Buffer.from(big)
  edited[12345] ^= 0xff
  const file = async (bytes: Uint8Array, chunker: 'fixed' | 'cdc'): Promise<Entry> => ({ ...(await storeBytes(store, bytes, false, undefined, chunker)), kind: 'file' })
  const base = await file(big, 'fixed')
  const rechunked = await file(big, 'cdc')
  t.false(base.cid.equals(rechunked.cid), 'the same bytes chunked another way have another CID')
  const tree = async (e: Entry): Promise<CID> => (await buildTree(store, new Map([['model.bin', e]]))).root.cid
  const ours = await file(edited, 'fixed')
  for (const [o, th] of [[ours, rechunked], [rechunked, ours]]) {
    const r = await mergeTrees(store, await tree(base), await tree(o), await tree(th))
    t.deepEqual(r.conflicts, [])
    t.true(Buffer.from(await readFileBytes(store, (await flattenTree(store, r.tree.cid)).files.get('model.bin')!.cid)).equals(edited))
  }
  // both sides the same bytes, chunked differently: no conflict either
  const r = await mergeTrees(store, undefined, await tree(base), await tree(rechunked))
  t.deepEqual(r.conflicts, [])
})
