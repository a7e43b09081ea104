import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { BlockStore } from '../store/blockstore.js'
import { Node, rawCid, RAW } from './tree.js'
import { AcacheError, fail } from '../errors.js'

/** The profile's chunk size: a file up to this size (without exec bit) is one raw block. */
export const CHUNK_SIZE = 1_048_576

export const IMPORT_OPTIONS = { profile: 'unixfs-v1-2025' as const }

/** Adapts our store to the importer's writer shape. */
function writer (store: BlockStore, onBlock?: (bytes: number) => void): any {
  return {
    put: async (cid: CID, bytes: Uint8Array) => {
      await store.put(cid, bytes)
      onBlock?.(bytes.byteLength)
      return cid
    }
  }
}

/** Adapts our store to the exporter's reader shape (blocks as a stream of chunks). */
export function reader (store: BlockStore): any {
  return {
    get: async function * (cid: CID) { yield await store.get(cid) }
  }
}

/**
 * Stores the bytes of one file from disk, streamed so memory does not grow
 * with the file: small plain files are one raw block (what the importer makes
 * of them, without its machinery), everything else goes through the importer.
 */
export async function storeFileFromDisk (store: BlockStore, file: string, exec: boolean, size: number, onBytes?: (n: number) => void): Promise<Node> {
  if (!exec && size <= CHUNK_SIZE) {
    const bytes = await fs.promises.readFile(file)
    if (bytes.byteLength <= CHUNK_SIZE) {
      const cid = rawCid(bytes)
      await store.put(cid, bytes)
      onBytes?.(bytes.byteLength)
      return { cid, tsize: bytes.byteLength }
    }
  }
  const content = fs.createReadStream(file, { highWaterMark: CHUNK_SIZE })
  content.on('data', (c) => onBytes?.((c as Buffer).byteLength))
  return await storeContent(store, content, exec)
}

export async function storeBytes (store: BlockStore, bytes: Uint8Array, exec = false): Promise<Node> {
  if (!exec && bytes.byteLength <= CHUNK_SIZE) {
    const cid = rawCid(bytes)
    await store.put(cid, bytes)
    return { cid, tsize: bytes.byteLength }
  }
  return await storeContent(store, [bytes], exec)
}

async function storeContent (store: BlockStore, content: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, exec: boolean): Promise<Node> {
  let last: { cid: CID, size: bigint } | undefined
  // Loaded on first use: most commands never import a large file.
  const { importer } = await import('ipfs-unixfs-importer')
  for await (const entry of importer([{ content, mode: exec ? 0o755 : undefined }], writer(store), IMPORT_OPTIONS)) {
    last = entry
  }
  if (last === undefined) fail('BUG', 'importer returned nothing')
  return { cid: last.cid, tsize: Number(last.size) }
}

/** Streams a file's bytes; `offset`/`length` read only the blocks that hold them. */
export async function * readFileContent (store: BlockStore, cid: CID, opts: { offset?: number, length?: number } = {}): AsyncGenerator<Uint8Array> {
  if (cid.code === RAW) {
    const bytes = await store.get(cid)
    const start = opts.offset ?? 0
    const end = opts.length === undefined ? bytes.byteLength : Math.min(bytes.byteLength, start + opts.length)
    yield bytes.subarray(start, end)
    return
  }
  let entry: any
  const { exporter } = await import('ipfs-unixfs-exporter')
  try {
    entry = await exporter(cid, reader(store))
  } catch (err) {
    if (err instanceof AcacheError) throw err
    fail('BAD_OBJECT', `cannot read file ${cid}: ${(err as Error).message}`, { data: { cid: cid.toString() } })
  }
  if (entry.type !== 'file' && entry.type !== 'raw') fail('BAD_OBJECT', `${cid} is not a file`)
  yield * entry.content({ offset: opts.offset, length: opts.length })
}

export async function readFileBytes (store: BlockStore, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of readFileContent(store, cid)) parts.push(c)
  return Buffer.concat(parts)
}
