import test from 'ava'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { MemoryBlockStore } from '../../src/store/blockstore.js'
import { storeBytes, readFileBytes, readFileContent, Layout } from '../../src/model/file.js'

async function importerCid (bytes: Uint8Array, exec: boolean, layout?: Layout): Promise<string> {
  const sink = { put: async (c: any) => c }
  const opts: any = { profile: 'unixfs-v1-2025' }
  if (layout !== undefined) {
    opts.chunker = fixedSize({ chunkSize: layout.chunkSize })
    opts.layout = balanced({ maxChildrenPerNode: layout.maxChildren })
  }
  let last: any
  for await (const e of importer([{ content: [bytes], mode: exec ? 0o755 : undefined }], sink as any, opts)) last = e
  return `${last.cid.toString()} ${last.size}`
}

const bytesOf = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 31 + 7) % 256)

// A small layout exercises every shape of the balanced tree (several levels, partial batches).
const SMALL: Layout = { chunkSize: 16, maxChildren: 4 }

for (const n of [0, 1, 15, 16, 17, 64, 65, 16 * 16, 16 * 16 + 1, 16 * 16 * 4 + 3, 1000]) {
  for (const exec of [false, true]) {
    test(`file of ${n} bytes${exec ? ' (exec)' : ''}: same CID and Tsize as the importer`, async t => {
      const store = new MemoryBlockStore()
      const node = await storeBytes(store, bytesOf(n), exec, SMALL)
      t.is(`${node.cid.toString()} ${node.tsize}`, await importerCid(bytesOf(n), exec, SMALL))
      t.deepEqual(Buffer.from(await readFileBytes(store, node.cid)), Buffer.from(bytesOf(n)))
    })
  }
}

test('with the profile layout too (1 MiB chunks): 3 MiB + 1 byte, exec and not', async t => {
  for (const exec of [false, true]) {
    const data = bytesOf(3 * 1024 * 1024 + 1)
    const store = new MemoryBlockStore()
    const node = await storeBytes(store, data, exec)
    t.is(`${node.cid.toString()} ${node.tsize}`, await importerCid(data, exec))
  }
})

test('ranged reads return exactly the bytes asked for', async t => {
  const store = new MemoryBlockStore()
  const data = bytesOf(1000)
  const node = await storeBytes(store, data, false, SMALL)
  const parts: Uint8Array[] = []
  for await (const c of readFileContent(store, node.cid, { offset: 990, length: 10 })) parts.push(c)
  t.deepEqual(Buffer.concat(parts), Buffer.from(data.subarray(990)))
})
