import { CID } from 'multiformats/cid'
import { admitBlock } from '../store/blockstore.js'
import { MAX_BLOCK_BYTES, blockTooLarge } from '../model/limits.js'

/**
 * Reads a CAR stream whose every section is at most MAX_BLOCK_BYTES: a
 * section (or header) that declares more is refused before its bytes are
 * gathered, so a CAR cannot make us buffer gigabytes for one block. Each
 * block is checked against its CID as it comes.
 */
export async function readCar (source: AsyncIterable<Uint8Array>): Promise<{ roots: CID[], blocks: AsyncGenerator<{ cid: CID, bytes: Uint8Array }> }> {
  const { asyncIterableReader, createDecoder } = await import('@ipld/car/decoder')
  const inner = asyncIterableReader(source)
  const room = MAX_BLOCK_BYTES + 1024 // the block and its CID
  const reader: typeof inner = {
    upTo: async (n) => await inner.upTo(n),
    exactly: async (n, seek) => {
      if (n > room) blockTooLarge('in this CAR', n)
      return await inner.exactly(n, seek)
    },
    seek: (n) => inner.seek(n),
    get pos () { return inner.pos }
  }
  const decoder = createDecoder(reader)
  const header = await decoder.header()
  return {
    roots: header.roots,
    blocks: (async function * () {
      for await (const { cid, bytes } of decoder.blocks()) {
        admitBlock(cid, bytes)
        yield { cid, bytes }
      }
    })()
  }
}
