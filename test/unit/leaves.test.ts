import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { MemoryBlockStore, nullStore } from '../../src/store/blockstore.js'
import { FsBlockStore } from '../../src/store/fs-blockstore.js'
import { POOL_MIN_BYTES } from '../../src/store/leaf-pool.js'
import { storeBytes, storeFileFromDisk, readFileBytes } from '../../src/model/file.js'
import { Splitter } from '../../src/model/chunker.js'
import { AcacheError } from '../../src/errors.js'
import { tmpdir } from '../helpers.js'

/** Deterministic incompressible bytes: sha256 in counter mode. */
function stream (n: number, seed = 'leaves'): Buffer {
  const out = Buffer.alloc(n)
  for (let o = 0, i = 0; o < n; o += 32, i++) createHash('sha256').update(`${seed}-${i}`).digest().copy(out, o)
  return out
}

const tmp = (): string => tmpdir('acache-leaves-')
const SIZE = POOL_MIN_BYTES + 3 * 1048576 + 12345 // large enough for the worker threads

for (const chunker of ['fixed', 'cdc'] as const) {
  for (const exec of [false, true]) {
    test(`${chunker}${exec ? ' exec' : ''}: a large file stored by the worker threads has the CID this thread computes, and is stored whole`, async t => {
      const dir = tmp()
      const data = stream(SIZE, chunker)
      const file = path.join(dir, 'big')
      fs.writeFileSync(file, data)
      const mem = new MemoryBlockStore()
      const expected = await storeBytes(mem, data, exec, undefined, chunker)
      const store = FsBlockStore.init(path.join(dir, 'blocks'))
      const got = await storeFileFromDisk(store, file, exec, SIZE, undefined, chunker)
      t.is(got.cid.toString(), expected.cid.toString())
      t.is(got.tsize, expected.tsize)
      t.is(store.written.blocks, mem.written.blocks)
      t.is(store.written.bytes, mem.written.bytes)
      t.true(Buffer.from(await readFileBytes(store, got.cid)).equals(data))
      // hashing only (status): the same CID, nothing stored anywhere
      t.is((await storeFileFromDisk(nullStore, file, exec, SIZE, undefined, chunker)).cid.toString(), expected.cid.toString())
      // again: nothing new is written
      const again = new FsBlockStore(path.join(dir, 'blocks'))
      await storeFileFromDisk(again, file, exec, SIZE, undefined, chunker)
      t.is(again.written.blocks, 0)
      fs.rmSync(dir, { recursive: true, force: true })
    })
  }
}

test('a write failing in a worker thread rejects with one clear error instead of hanging', async t => {
  const dir = tmp()
  const file = path.join(dir, 'big')
  fs.writeFileSync(file, stream(SIZE, 'fail'))
  const blocks = path.join(dir, 'blocks')
  FsBlockStore.init(blocks)
  fs.writeFileSync(path.join(blocks, 'tmp'), 'not a directory') // the staging directory cannot be made
  const err = await t.throwsAsync(storeFileFromDisk(new FsBlockStore(blocks), file, false, SIZE))
  t.true(err instanceof AcacheError)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('cdc cut points are pinned: the chunker may get faster, never different (every cdc CID depends on them)', t => {
  const s = new Splitter('cdc')
  const sizes = [...s.push(stream(8 * 1048576, 'pinned')), ...s.end()].map(c => c.byteLength)
  // as the first cdc implementation cut this stream
  t.deepEqual(sizes, [1048576, 710497, 539636, 512626, 619449, 609858, 579926, 374613, 748824, 579318, 556995, 663245, 822182, 22863])
})

test('a large fetch checks its leaves on the worker threads: a leaf whose bytes do not match its CID fails the fetch and is not staged', async t => {
  const { pullObjects } = await import('../../src/remote/sync.js')
  const data = stream(POOL_MIN_BYTES + 8 * 1048576, 'fetch')
  const remote = new MemoryBlockStore()
  const file = await storeBytes(remote, data)
  const dir = tmp()
  // every block as the remote has it: the whole file arrives and is staged
  const good = FsBlockStore.init(path.join(dir, 'good'))
  const pulled = await pullObjects(new MemoryBlockStore(), async cid => await remote.get(cid), [file.cid], good)
  t.is(pulled.blocks, remote.blocks.size)
  t.true(Buffer.from(await readFileBytes(good, file.cid)).equals(data))
  // the second leaf comes back with one byte flipped: leaves are taken last first, so it comes
  // after more than POOL_MIN_BYTES of others, when the worker threads check them
  const leaves = [...(await import('@ipld/dag-pb')).decode(await remote.get(file.cid)).Links].map(l => l.Hash)
  const victim = leaves[1]
  const staging = FsBlockStore.init(path.join(dir, 'staging'))
  const err = await t.throwsAsync(pullObjects(new MemoryBlockStore(), async cid => {
    const b = Buffer.from(await remote.get(cid))
    if (cid.equals(victim)) b[7] ^= 1
    return b
  }, [file.cid], staging))
  t.true(err instanceof AcacheError)
  t.is((err as AcacheError).code, 'BAD_OBJECT')
  t.regex(err!.message, new RegExp(`remote sent block ${victim.toString()}`))
  t.false(await staging.has(victim))
})
