import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { MemoryBlockStore, nullStore } from '../../src/store/blockstore.js'
import { FsBlockStore } from '../../src/store/fs-blockstore.js'
import { POOL_MIN_BYTES } from '../../src/store/leaf-pool.js'
import { storeBytes, storeFileFromDisk, readFileBytes } from '../../src/model/file.js'
import { Splitter } from '../../src/model/chunker.js'
import { AcacheError } from '../../src/errors.js'

/** Deterministic incompressible bytes: sha256 in counter mode. */
function stream (n: number, seed = 'leaves'): Buffer {
  const out = Buffer.alloc(n)
  for (let o = 0, i = 0; o < n; o += 32, i++) createHash('sha256').update(`${seed}-${i}`).digest().copy(out, o)
  return out
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'acache-leaves-'))
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
