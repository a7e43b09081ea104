import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { BlockStore, MemoryBlockStore } from '../../src/store/blockstore.js'
import { FsBlockStore } from '../../src/store/fs-blockstore.js'
import { PackedBlockStore } from '../../src/store/packed-blockstore.js'
import { KuboBlockStore } from '../../src/store/kubo-blockstore.js'
import { rawCid } from '../../src/model/tree.js'
import { tmpdir } from '../helpers.js'
import { startNode, Node } from '../kubo-node.js'

// One contract, every backend: what BlockStore promises its callers, held
// by the memory store (unit tests), flatfs (one file a block), packed (pack
// files for small blocks), flat (one file a block in one directory: staging)
// and a Kubo node through its RPC API.

interface Backend {
  name: string
  open: () => Promise<BlockStore>
  /** the same store opened again (another process would see this), or undefined when nothing persists */
  reopen?: () => BlockStore
  close?: () => Promise<void>
}

let kubo: Node | undefined
const backends: Backend[] = [
  { name: 'memory', open: async () => new MemoryBlockStore() },
  (() => { const dir = path.join(tmpdir('acache-flatfs-'), 'blocks'); return { name: 'flatfs', open: async () => FsBlockStore.init(dir), reopen: () => new FsBlockStore(dir) } })(),
  (() => { const dir = path.join(tmpdir('acache-packed-'), 'blocks'); return { name: 'packed', open: async () => PackedBlockStore.init(dir), reopen: () => new PackedBlockStore(dir) } })(),
  // a staging store: one file a block with no shard directories (large blocks; the small ones in a pack)
  (() => { const dir = path.join(tmpdir('acache-flat-'), 'blocks'); return { name: 'flat', open: async () => FsBlockStore.init(dir, true), reopen: () => new FsBlockStore(dir, true) } })(),
  {
    name: 'kubo',
    open: async () => { kubo ??= await startNode(); return new KuboBlockStore(`http://${kubo.api}`, path.join(tmpdir('acache-pins-'), 'pins')) },
    reopen: () => new KuboBlockStore(`http://${kubo!.api}`),
    close: async () => { await kubo?.stop() }
  }
]

const block = (text: string): { cid: CID, bytes: Uint8Array } => {
  const bytes = new TextEncoder().encode(text)
  return { cid: rawCid(bytes), bytes }
}
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => { try { await p; return undefined } catch (err) { return (err as any).code } }

for (const b of backends) {
  test.serial(`store contract (${b.name}): put, has, get, size; a second put writes nothing; settled blocks are there for another opener; keys lists them`, async t => {
    t.timeout(300_000)
    const store = await b.open()
    const x = block(`contract ${b.name} x ${Date.now()}`)
    const y = block(`contract ${b.name} y ${Date.now()}`)
    t.false(await store.has(x.cid))
    await store.put(x.cid, x.bytes)
    await store.put(x.cid, x.bytes)
    await store.put(y.cid, y.bytes)
    t.is(store.written.blocks, 2, 'the same block twice is written once')
    t.true(await store.has(x.cid))
    t.deepEqual(Buffer.from(await store.get(x.cid)), Buffer.from(x.bytes))
    t.is(await store.size(y.cid), y.bytes.byteLength)
    await store.settle([x.cid, y.cid])
    const again = b.reopen?.()
    if (again !== undefined) {
      t.deepEqual(Buffer.from(await again.get(y.cid)), Buffer.from(y.bytes), 'another opener reads what was settled')
      t.true(await again.has(x.cid))
    }
    const keys = new Set<string>()
    for await (const mh of store.keys()) keys.add(Buffer.from(mh).toString('hex'))
    for (const c of [x.cid, y.cid]) t.true(keys.has(Buffer.from(c.multihash.bytes).toString('hex')), `keys lists ${c}`)
  })

  test.serial(`store contract (${b.name}): a block whose bytes do not match its CID is never given back as that block; delete takes a block away`, async t => {
    t.timeout(300_000)
    const store = await b.open()
    const real = block(`contract ${b.name} real ${Date.now()}`)
    const lie = new TextEncoder().encode('not these bytes')
    let refusedAtPut = false
    try { await store.put(real.cid, lie); await store.settle([]) } catch { refusedAtPut = true }
    if (!refusedAtPut) {
      const got = await (async () => { try { return await store.get(real.cid) } catch (err) { return err as Error } })()
      t.true(got instanceof Error, 'the lie is not returned')
      if (got instanceof Error) t.is((got as any).code, 'CORRUPT_OBJECT')
    } else {
      t.false(await store.has(real.cid), 'the store refused the lie when it was put, and holds nothing under that CID')
    }
    const z = block(`contract ${b.name} z ${Date.now()}`)
    await store.put(z.cid, z.bytes)
    await store.settle([])
    await store.delete(z.cid)
    t.false(await store.has(z.cid))
    if (b.name !== 'kubo') t.is(await codeOf(store.offline().get(z.cid)), 'MISSING_OBJECT') // a node would look for it on the network
  })

  test.serial(`store contract (${b.name}): land takes staged blocks children first; gc keeps what the roots reach`, async t => {
    t.timeout(300_000)
    const store = await b.open()
    const staged = FsBlockStore.init(path.join(tmpdir('acache-stage-'), 'blocks'))
    const s1 = block(`staged ${b.name} 1 ${Date.now()}`)
    const s2 = block(`staged ${b.name} 2 ${Date.now()}`)
    await staged.put(s1.cid, s1.bytes)
    await staged.put(s2.cid, s2.bytes)
    await store.land([s1.cid, s2.cid], staged)
    t.true(await store.has(s1.cid))
    t.deepEqual(Buffer.from(await store.get(s2.cid)), Buffer.from(s2.bytes))
    const keep = block(`keep ${b.name} ${Date.now()}`)
    const drop = block(`drop ${b.name} ${Date.now()}`)
    await store.put(keep.cid, keep.bytes)
    await store.put(drop.cid, drop.bytes)
    await store.settle([keep.cid])
    const live = new Set([keep, s1, s2].map(x => Buffer.from(x.cid.multihash.bytes).toString('hex')))
    const out = await store.collect({ roots: [keep.cid, s1.cid, s2.cid], reachable: async () => live, graceMs: 0, dryRun: false })
    t.true(await store.has(keep.cid), 'what the roots reach is kept')
    if (out.pins === undefined) {
      t.false(await store.has(drop.cid), 'what nothing reaches is dropped')
      t.true(out.dropped.blocks >= 1)
    } else {
      t.true(out.pins.pinned >= 1, 'a node that collects its own garbage has the roots pinned')
    }
  })
}

test.after.always(async () => { await kubo?.stop() })

test('the packed store: a pack left open by a killed writer is read by its log; gc packs loose blocks and drops the rest; a hostile index is damage, not a crash', async t => {
  const dir = path.join(tmpdir('acache-pack-'), 'blocks')
  // a writer in another process, killed before it sealed its pack
  const script = `
    const { PackedBlockStore } = await import(${JSON.stringify(path.resolve('dist/src/store/packed-blockstore.js'))})
    const { rawCid } = await import(${JSON.stringify(path.resolve('dist/src/model/tree.js'))})
    const s = PackedBlockStore.init(${JSON.stringify(dir)})
    for (let i = 0; i < 100; i++) { const b = new TextEncoder().encode('block ' + i); await s.put(rawCid(b), b) }
    s.packs.flush()
    process.kill(process.pid, 'SIGKILL')`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve('.') })
  t.is(r.signal, 'SIGKILL')
  const packs = fs.readdirSync(path.join(dir, 'packs'))
  t.true(packs.some(f => f.endsWith('.log')) && !packs.some(f => f.endsWith('.idx')), 'the pack was left open')
  const store = new PackedBlockStore(dir)
  for (let i = 0; i < 100; i += 33) {
    const b = new TextEncoder().encode('block ' + i)
    t.deepEqual(Buffer.from(await store.get(rawCid(b))), Buffer.from(b))
  }
  // gc: half the blocks reachable, plus one loose block reachable
  const loose = new TextEncoder().encode('a loose block')
  await new FsBlockStore(dir).put(rawCid(loose), loose)
  const live = new Set<string>([Buffer.from(rawCid(loose).multihash.bytes).toString('hex')])
  for (let i = 0; i < 100; i += 2) live.add(Buffer.from(rawCid(new TextEncoder().encode('block ' + i)).multihash.bytes).toString('hex'))
  const out = await store.collect({ roots: [], reachable: async () => live, graceMs: 0, dryRun: false })
  t.is(out.kept.blocks, 51)
  t.is(out.dropped.blocks, 50)
  const after = fs.readdirSync(path.join(dir, 'packs'))
  t.is(after.filter(f => f.endsWith('.pack')).length, 1, 'one pack left')
  t.false(fs.existsSync(store.pathOf(rawCid(loose))), 'the loose block moved into the pack')
  t.deepEqual(Buffer.from(await new PackedBlockStore(dir).get(rawCid(loose))), Buffer.from(loose))
  t.false(await new PackedBlockStore(dir).has(rawCid(new TextEncoder().encode('block 1'))))
  // a hostile folder: an index that claims 4 GiB for a block
  const idx = path.join(dir, 'packs', after.find(f => f.endsWith('.idx'))!)
  const bytes = fs.readFileSync(idx)
  const { createHash } = await import('node:crypto')
  for (let at = 10; at + 44 <= bytes.byteLength - 32; at += 44) bytes.writeUInt32BE(0xffffffff, at + 40)
  createHash('sha256').update(bytes.subarray(0, bytes.byteLength - 32)).digest().copy(bytes, bytes.byteLength - 32)
  fs.writeFileSync(idx, bytes)
  t.is(await codeOf(new PackedBlockStore(dir).get(rawCid(loose))), 'CORRUPT_OBJECT')
})

test('the packed store: one pack a command, merged once there are many; a reader that held a merged pack finds its blocks again', async t => {
  const dir = path.join(tmpdir('acache-packs-'), 'blocks')
  const reader = PackedBlockStore.init(dir)
  const first = new TextEncoder().encode('command 0')
  for (let i = 0; i < 40; i++) {
    const s = new PackedBlockStore(dir) // each command its own process, its own pack
    const b = new TextEncoder().encode(`command ${i}`)
    await s.put(rawCid(b), b)
    await s.settle([rawCid(b)])
    if (i === 0) t.deepEqual(Buffer.from(await reader.get(rawCid(first))), Buffer.from(first)) // the reader has pack 0 loaded now
  }
  const packs = fs.readdirSync(path.join(dir, 'packs')).filter(f => f.endsWith('.pack'))
  t.true(packs.length <= 33, `${packs.length} packs`)
  for (let i = 0; i < 40; i += 7) {
    const b = new TextEncoder().encode(`command ${i}`)
    t.deepEqual(Buffer.from(await reader.get(rawCid(b))), Buffer.from(b))
  }
})

test('the packed store survives kill -9 in the middle of writing: every block its log lists reads back whole, the torn tail is never read, gc and new writes go on', async t => {
  const dir = path.join(tmpdir('acache-killpack-'), 'blocks')
  PackedBlockStore.init(dir)
  const script = `
    const { PackedBlockStore } = await import(${JSON.stringify(path.resolve('dist/src/store/packed-blockstore.js'))})
    const { rawCid } = await import(${JSON.stringify(path.resolve('dist/src/model/tree.js'))})
    const s = new PackedBlockStore(${JSON.stringify(dir)})
    for (let i = 0; ; i++) {
      const b = new Uint8Array(4096 + (i % 5000)).fill(i % 251); b[0] = i & 0xff; b[1] = (i >> 8) & 0xff; b[2] = i >> 16
      await s.put(rawCid(b), b)
      if (i % 500 === 499) { s.packs.flush(); process.stdout.write(i + '\\n') }
    }`
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve('.'), stdio: ['ignore', 'pipe', 'inherit'] })
  // killed once it has written a few thousand blocks, wherever it is then (mid-append, most likely)
  await new Promise<void>(resolve => {
    let seen = ''
    child.stdout!.on('data', (d: Buffer) => { seen += d.toString(); if (seen.split('\n').length > 6) { child.kill('SIGKILL'); resolve() } })
  })
  await new Promise(resolve => child.once('exit', resolve))
  const store = new PackedBlockStore(dir)
  let n = 0
  for await (const mh of store.keys()) {
    const cid = CID.createV1(0x55, (await import('multiformats/hashes/digest')).decode(mh))
    await store.get(cid) // checked against its CID: a torn block would throw
    n++
  }
  t.true(n >= 3000, `${n} blocks read back whole`)
  const out = await store.collect({ roots: [], reachable: async () => new Set(), graceMs: 0, dryRun: false })
  t.is(out.dropped.blocks, n, 'gc takes the pack of the dead writer like any other')
  const b = new TextEncoder().encode('after the crash')
  await store.put(rawCid(b), b)
  await store.settle([])
  t.deepEqual(Buffer.from(await new PackedBlockStore(dir).get(rawCid(b))), Buffer.from(b))
})

test('gc --pack moves a store kept a file a block (flatfs, as repositories made before packs) into packs; everything reads back', async t => {
  const { User } = await import('../helpers.js')
  const u = new User('migrate')
  u.ok(['init', '-q', '--store-layout', 'flatfs'])
  u.ok(['id', 'new', '--name', 'migrate'])
  for (let i = 0; i < 30; i++) u.write(`src/f${i}.txt`, `file ${i}\n`)
  u.write('big.bin', Buffer.alloc(2 * 1024 * 1024 + 5).map((_, i) => (i * 11) % 251))
  u.ok(['commit', '-m', 'before packs'])
  const blocks = u.path('.acache/blocks')
  const looseBefore = fs.readdirSync(blocks, { recursive: true }).filter(n => String(n).endsWith('.data')).length
  t.false(fs.existsSync(path.join(blocks, 'packs')))
  const r = u.ok(['gc', '--pack', '--now', '--json']).json
  t.is(r.dropped.blocks, 0)
  t.is(JSON.parse(fs.readFileSync(u.path('.acache/config'), 'utf8')).store.layout, 'packed')
  const looseAfter = fs.readdirSync(blocks, { recursive: true }).filter(n => String(n).endsWith('.data')).length
  t.is(looseAfter, 2, 'only the large file\'s two 1 MiB leaves stay files (its 5-byte tail is packed)')
  t.true(looseBefore > 30)
  t.true(u.ok(['verify', '--full', '--json']).json.ok)
  u.write('src/f1.txt', 'changed\n')
  u.ok(['commit', '-m', 'after packs'])
  t.is(u.ok(['show', 'HEAD~1:src/f1.txt']).stdout, 'file 1\n')
})
