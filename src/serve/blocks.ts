import { Repo } from '../repo/repo.js'
import { BLOCK_ABSENT, BLOCK_LATER } from '../remote/http.js'
import { Route, dropWhenIdle, readCidList, send } from './server.js'

/** The most CIDs one /acache/v1/has request may ask about (and so the bytes it may send). */
export const MAX_HAS_CIDS = 16384

/** The most blocks one /acache/v1/blocks request may ask for, and the bytes of blocks one answer carries (then BLOCK_LATER). */
export const MAX_BLOCKS_ASKED = 1024
export const MAX_BLOCKS_ANSWER = 16 * 1024 * 1024

/** Many blocks in one question: which are here (a pusher's), and the blocks themselves (a fetcher's). */
export function blockRoutes (repo: Repo, idleMs: number): Route[] {
  return [
    {
      // which of these blocks are here (a pusher's question, asked once for a directory's files instead of once a file)
      methods: ['POST'],
      path: /^\/acache\/v1\/has$/,
      handle: async ({ req, res }) => {
        dropWhenIdle(req, idleMs)
        const cids = await readCidList(req, MAX_HAS_CIDS)
        const store = repo.store.offline()
        const answer = Buffer.alloc(cids.length)
        for (const [i, c] of cids.entries()) answer[i] = (await store.has(c)) ? 0x31 : 0x30
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': answer.byteLength })
        res.end(answer)
      }
    },
    {
      // many blocks in one answer (a fetch asks for the files next in line together): each
      // as a 4-byte length and its bytes, in the order asked; what is not here, or past the
      // answer's size, is marked so (the client asks again for those, or elsewhere)
      methods: ['POST'],
      path: /^\/acache\/v1\/blocks$/,
      handle: async ({ req, res }) => {
        dropWhenIdle(req, idleMs)
        const cids = await readCidList(req, MAX_BLOCKS_ASKED)
        const store = repo.store.offline()
        let size = 0
        // read four at a time, on the thread pool; sent in the order asked as each is here
        // (chunked): the fetcher works on the first blocks while the rest are read
        const reading: Array<Promise<Uint8Array | undefined>> = []
        // not hashed here: the fetcher checks every block against its CID (as Kubo, which does not hash on read)
        const get = store.getUnchecked?.bind(store) ?? store.get.bind(store)
        const read = (i: number): void => { if (i < cids.length) reading[i] = get(cids[i]).catch(() => undefined) }
        for (let i = 0; i < 4; i++) read(i)
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
        for (let i = 0; i < cids.length; i++) {
          const head = Buffer.alloc(4)
          const bytes = size < MAX_BLOCKS_ANSWER ? await reading[i] : undefined
          if (size < MAX_BLOCKS_ANSWER) read(i + 4)
          else reading[i]?.catch(() => {})
          head.writeUInt32BE(bytes !== undefined ? bytes.byteLength : size < MAX_BLOCKS_ANSWER ? BLOCK_ABSENT : BLOCK_LATER)
          if (!(await send(res, head))) break
          if (bytes !== undefined) {
            size += bytes.byteLength
            if (!(await send(res, bytes))) break
          }
        }
        res.end()
      }
    }
  ]
}
