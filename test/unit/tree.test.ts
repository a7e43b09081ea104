import test from 'ava'
import { importer } from 'ipfs-unixfs-importer'
import { MemoryBlockStore } from '../../src/store/blockstore.js'
import { buildTree, flattenTree, checkName, Entry, writeDirectory, symlinkBlock, readDirectory } from '../../src/model/tree.js'
import { storeBytes, readFileBytes } from '../../src/model/file.js'
import { AcacheError } from '../../src/errors.js'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { pbCid } from '../../src/model/tree.js'

/** The importer's answer for a directory of these files (path -> bytes, exec?). */
async function importerRoot (files: Array<[string, Uint8Array, boolean?]>): Promise<string> {
  const sink = { put: async (c: any) => c }
  let last: any
  const input = files.map(([p, content, exec]) => ({ path: `root/${p}`, content, mode: exec === true ? 0o755 : undefined }))
  for await (const e of importer(input, sink as any, { profile: 'unixfs-v1-2025', wrapWithDirectory: false })) last = e
  return last.cid.toString()
}

async function ourRoot (files: Array<[string, Uint8Array, boolean?]>): Promise<{ root: string, store: MemoryBlockStore }> {
  const store = new MemoryBlockStore()
  const map = new Map<string, Entry>()
  for (const [p, bytes, exec] of files) {
    const n = await storeBytes(store, bytes, exec === true)
    map.set(p, { ...n, kind: exec === true ? 'exec' : 'file' })
  }
  const { root } = await buildTree(store, map)
  return { root: root.cid.toString(), store }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

test('a tree of plain files has the CID ipfs-unixfs-importer (unixfs-v1-2025) gives', async t => {
  const files: Array<[string, Uint8Array, boolean?]> = [
    ['a.txt', enc('hello\n')],
    ['empty', new Uint8Array()],
    ['dir/b.txt', enc('b')],
    ['dir/sub/deep/c.txt', enc('c')],
    ['with space.txt', enc('s')],
    ['ünïcödé/名前.txt', enc('u')],
    ['big.bin', new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 7) % 251)],
    ['tool.sh', enc('#!/bin/sh\n'), true]
  ]
  const ours = await ourRoot(files)
  t.is(ours.root, await importerRoot(files))
})

test('a directory past the sharding threshold is a HAMT with the importer\'s CID', async t => {
  const files: Array<[string, Uint8Array, boolean?]> = []
  for (let i = 0; i < 3000; i++) files.push([`shard/file-with-a-fairly-long-name-number-${i}.txt`, enc(`content ${i}`)])
  files.push(['shard/sub/x', enc('x')])
  files.push(['top.txt', enc('top')])
  const ours = await ourRoot(files)
  t.is(ours.root, await importerRoot(files))
  // and it reads back whole
  const { CID } = await import('multiformats/cid')
  const flat = await flattenTree(ours.store, CID.parse(ours.root))
  t.is(flat.files.size, files.length)
  const { inspect } = await import('../../src/model/tree.js')
  t.is((await inspect(ours.store, flat.dirs.get('shard')!.cid)).unixfs?.type, 'hamt-sharded-directory')
  t.is((await inspect(ours.store, flat.dirs.get('')!.cid)).unixfs?.type, 'directory')
  t.is(new TextDecoder().decode(await readFileBytes(ours.store, flat.files.get('shard/file-with-a-fairly-long-name-number-2999.txt')!.cid)), 'content 2999')
})

test('tree entry names that could escape the working root are refused', t => {
  for (const bad of ['', '.', '..', 'a/b', 'nul\0x', '.acache', '.ACACHE', 'x'.repeat(256)]) {
    const err = t.throws(() => checkName(bad), { instanceOf: AcacheError })
    t.is(err?.code, 'BAD_TREE_ENTRY', JSON.stringify(bad))
  }
  t.notThrows(() => checkName('.acacheignore'))
  t.notThrows(() => checkName('..foo'))
})

test('reading a tree with a ".." entry fails with BAD_TREE_ENTRY', async t => {
  const store = new MemoryBlockStore()
  const file = await storeBytes(store, enc('evil'))
  const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: '..', Hash: file.cid, Tsize: 4 }] }))
  const cid = pbCid(bytes)
  await store.put(cid, bytes)
  const err = await t.throwsAsync(readDirectory(store, cid))
  t.is((err as AcacheError).code, 'BAD_TREE_ENTRY')
})

test('symlinks and exec files read back with their kind', async t => {
  const store = new MemoryBlockStore()
  const link = await symlinkBlock('../target')
  await store.put(link.cid, link.bytes)
  const exe = await storeBytes(store, enc('#!/bin/sh'), true)
  const plain = await storeBytes(store, enc('x'))
  const dir = await writeDirectory(store, new Map([['l', { ...{ cid: link.cid, tsize: link.bytes.byteLength }, kind: 'symlink' as const }], ['e', { ...exe, kind: 'exec' as const }], ['p', { ...plain, kind: 'file' as const }]]))
  const entries = await readDirectory(store, dir.cid)
  t.is(entries.get('l')?.kind, 'symlink')
  t.is(entries.get('e')?.kind, 'exec')
  t.is(entries.get('p')?.kind, 'file')
})

test('a corrupted block is refused on read', async t => {
  const store = new MemoryBlockStore()
  const n = await storeBytes(store, enc('precious'))
  const k = [...store.blocks.keys()][0]
  const b = store.blocks.get(k)!
  b[0] ^= 1
  const err = await t.throwsAsync(store.get(n.cid))
  t.is((err as AcacheError).code, 'CORRUPT_OBJECT')
})

test('buildTree takes reused directories as they are, at the top and deeper, without reading their files', async t => {
  const store = new MemoryBlockStore()
  const map = new Map<string, Entry>()
  for (const p of ['a/x.txt', 'a/y.txt', 'b/c/z.txt', 'b/w.txt', 'top.txt']) map.set(p, { ...(await storeBytes(store, enc(p))), kind: 'file' })
  const full = await buildTree(store, map)
  // a reused directory is taken whole: even a different node for it shows in the root (proof it was not rebuilt)
  const other = await writeDirectory(store, new Map([['only.txt', { ...(await storeBytes(store, enc('other'))), kind: 'file' as const }]]))
  const files = { keys: () => map.keys(), get: (p: string) => { if (p.startsWith('a/') || p.startsWith('b/c/')) throw new Error(`read ${p}`); return map.get(p) } }
  const partial = await buildTree(store, files, new Map([['a', other], ['b/c', full.dirs.get('b/c')!]]))
  t.is(partial.dirs.get('a')?.cid.toString(), other.cid.toString())
  t.is(partial.dirs.get('b')?.cid.toString(), full.dirs.get('b')?.cid.toString())
  t.not(partial.root.cid.toString(), full.root.cid.toString())
  const again = await buildTree(store, map, new Map([['a', full.dirs.get('a')!], ['b/c', full.dirs.get('b/c')!]]))
  t.is(again.root.cid.toString(), full.root.cid.toString())
})

test('a directory made of subdirectories shards as Kubo decides it (every link counted): no block over 1 MiB, and an independent reader lists it whole', async t => {
  const files: Array<[string, Uint8Array, boolean?]> = []
  for (let i = 0; i < 12000; i++) files.push([`many/subdirectory-number-${i}/f`, enc('x')])
  const ours = await ourRoot(files)
  const { CID } = await import('multiformats/cid')
  const flat = await flattenTree(ours.store, CID.parse(ours.root))
  const { inspect } = await import('../../src/model/tree.js')
  t.is((await inspect(ours.store, flat.dirs.get('many')!.cid)).unixfs?.type, 'hamt-sharded-directory')
  let largest = 0
  for (const b of ours.store.blocks.values()) largest = Math.max(largest, b.byteLength)
  t.true(largest <= 1024 * 1024, `largest block ${largest} bytes`)
  // ipfs-unixfs-exporter (not our reader) lists the sharded directory
  const { exporter } = await import('ipfs-unixfs-exporter')
  const dir = await exporter(flat.dirs.get('many')!.cid, { get: async function * (c: any) { yield await ours.store.get(c) } } as any)
  let n = 0
  if (dir.type === 'directory') for await (const _ of dir.entries()) { void _; n++ }
  t.is(n, 12000)
})

test('a directory node is the bytes @ipld/dag-pb gives it (generated names: Unicode, shared prefixes, any order)', async t => {
  const dagPb = await import('@ipld/dag-pb')
  const fc = (await import('fast-check')).default
  const { encodeDirectoryNode, encodeDirectoryLink, directoryFromLinks, rawCid } = await import('../../src/model/tree.js')
  const { assertProperty } = await import('../git.js')
  const name = fc.oneof(fc.constantFrom('a', 'a.txt', 'ab', 'B', 'é', 'e\u0301', '\u{1F600}', '\uE000', 'z'), fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }))
  assertProperty(t, fc.property(fc.uniqueArray(fc.tuple(name, fc.nat(2 ** 40)), { selector: e => e[0], maxLength: 20 }), (entries) => {
    const links = entries.map(([n, size], i) => ({ n, cid: rawCid(new Uint8Array([i, size & 0xff])), size }))
    const ours = encodeDirectoryNode(Uint8Array.from([0x08, 0x01]), links.map(l => ({ name: Buffer.from(l.n, 'utf8'), hash: l.cid.bytes, tsize: l.size })))
    const theirs = dagPb.encode(dagPb.prepare({ Data: Uint8Array.from([0x08, 0x01]), Links: links.map(l => ({ Name: l.n, Hash: l.cid, Tsize: l.size })) }))
    // the same node joined from each link's own bytes, in name-byte order (what the git import does)
    const sorted = [...links].sort((a, b) => Buffer.compare(Buffer.from(a.n, 'utf8'), Buffer.from(b.n, 'utf8')))
    const joined = directoryFromLinks(sorted.map(l => encodeDirectoryLink(Buffer.from(l.n, 'utf8'), l.cid.bytes, l.size)))
    return Buffer.from(ours).equals(Buffer.from(theirs)) && Buffer.from(joined).equals(Buffer.from(theirs))
  }), 300)
})
