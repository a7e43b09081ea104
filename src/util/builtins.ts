/**
 * Node built-in modules that everyday commands load only when they use
 * them. Importing child_process, worker_threads, readline or zlib costs
 * 2-3 ms each at start-up (they pull in streams, sockets, ...), and a
 * commit in a small repository or a status never starts a process or a
 * thread: they are required here on first use instead (Node keeps them
 * loaded after).
 */
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

export const childProcess = (): typeof import('node:child_process') => load('node:child_process')

export const workerThreads = (): typeof import('node:worker_threads') => load('node:worker_threads')


export const zlib = (): typeof import('node:zlib') => load('node:zlib')

let table: Int32Array | undefined

/**
 * CRC-32 (IEEE, as zlib's crc32 and gzip's), continuing from `crc`. Small
 * inputs (the index of a small repository) are summed here, which spares
 * loading zlib; large ones by zlib's, which is faster per byte.
 */
export function crc32 (bytes: Uint8Array, crc = 0): number {
  if (bytes.byteLength > 64 * 1024) return zlib().crc32(bytes, crc)
  if (table === undefined) {
    table = new Int32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c
    }
  }
  let c = ~crc
  for (let i = 0; i < bytes.byteLength; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}
