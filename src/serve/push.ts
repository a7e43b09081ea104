import http from 'node:http'
import fs from 'node:fs'
import { CID } from 'multiformats/cid'
import { Repo } from '../repo/repo.js'
import { AcacheError } from '../errors.js'
import { nullStore } from '../store/blockstore.js'
import { decodeHead, headFileName } from '../model/head.js'
import { DAG_JSON, dagJsonCid } from '../model/commit.js'
import { publishLocal } from '../remote/directory.js'
import { readCar } from '../remote/car.js'
import { checkIpnsRecord } from '../model/ipns.js'
import { acceptArrival } from '../accept/arrival.js'
import { acceptPushedAsRemote } from '../accept/refs.js'
import { checkPushedHead } from '../accept/head.js'
import { removeStage, staging } from '../accept/staging.js'
import { defaultCtx, noProgress } from '../context.js'
import { acquireLock } from '../repo/lock.js'
import { blockLinks } from '../model/dag.js'
import { HttpError, Route, asHttpError, dropWhenIdle } from './server.js'

export interface PushLimits {
  /** keys allowed to push (besides the repository's remotes and trusted list) */
  trusted?: string[]
  /** largest accepted upload, in bytes */
  maxUpload: number
  /** pushes received side by side at most (more wait: 503 with Retry-After) */
  maxPushes: number
  /** bytes staged by all pushes under way together, at most */
  maxStaging: number
  idleMs: number
  log: (line: string) => void
}

/**
 * POST /acache/v1/push: a CAR whose root is a signed head, accepted only
 * from a trusted key, with a higher seq, once every block it reaches is
 * present and verified; otherwise 4xx with a reason, and the served head
 * does not move. Pushes are received side by side; landing takes turns.
 */
export function pushRoute (repo: Repo, limits: PushLimits): Route {
  const { maxUpload, maxPushes, maxStaging, log } = limits
  let pushing = 0
  let staged = 0
  let landing: Promise<void> = Promise.resolve()
  const trusted = (): Set<string> => {
    const cfg = Repo.readConfig(repo.dir)
    return new Set([...(limits.trusted ?? []), ...cfg.trusted, ...Object.values(cfg.remotes).map(r => r.key)])
  }

  /**
   * A push: the CAR's first block must be its root, a head signed by a key
   * this server trusts, above the seq published; all of that is checked
   * before any other byte is read or stored. The rest is staged (each
   * section within the block size limit, each block checked), received and
   * admitted exactly as a fetch is (core/accept.ts); uploads run side by
   * side, only the short landing step takes turns.
   */
  const receivePush = async (req: http.IncomingMessage): Promise<{ key: string, seq: number, blocks: number }> => {
    const declared = Number(req.headers['content-length'] ?? NaN)
    if (declared > maxUpload) throw new HttpError(413, `upload larger than ${maxUpload} bytes`)
    if (pushing >= maxPushes) throw new HttpError(503, `${maxPushes} pushes are being received already: try again shortly`, { 'Retry-After': '5' })
    pushing++
    let mine = 0
    const stage = staging(repo)
    try {
      let received = 0
      const limited = (async function * () {
        for await (const chunk of req) {
          received += (chunk as Buffer).byteLength
          if (received > maxUpload) throw new HttpError(413, `upload larger than ${maxUpload} bytes`)
          yield chunk as Uint8Array
        }
      })()
      let headBytes: Uint8Array
      let h
      try {
        const car = await readCar(limited)
        if (car.roots.length !== 1 || car.roots[0].code !== DAG_JSON) throw new HttpError(400, 'the CAR must have one root: a signed head')
        const first = await car.blocks.next()
        if (first.done === true || !first.value.cid.equals(car.roots[0])) throw new HttpError(400, 'the CAR\'s first block must be its root head')
        headBytes = first.value.bytes
        // the one list of what a head must be (services/accept.ts), as for every fetch
        h = checkPushedHead(headBytes, (key) => trusted().has(key), publishedSeq).head
        // staged only what the head reaches, walked while it arrives: each block must be linked from the head or a block before it
        const reached = new Set(Object.values(h.heads).map(String))
        for await (const { cid, bytes } of car.blocks) {
          if (!reached.has(cid.toString())) throw new HttpError(400, `block ${cid} is not reached from the pushed head through the blocks before it (send the CAR parents first, as acache push and ipfs dag export do)`)
          for (const l of blockLinks(cid, bytes)) reached.add(l.toString())
          if (staged + bytes.byteLength > maxStaging) throw new HttpError(507, `the pushes under way would stage more than ${maxStaging} bytes here: try again later`, { 'Retry-After': '60' })
          staged += bytes.byteLength
          mine += bytes.byteLength
          await stage.put(cid, bytes)
        }
      } catch (err) {
        if (err instanceof HttpError) throw err
        if (err instanceof AcacheError) {
          // what the head rules said: a head that is not one is bad input, a signature that does not match unauthorized
          if (err.code === 'BAD_OBJECT' || err.code === 'BAD_INPUT') throw new HttpError(400, err.message)
          if (err.code === 'BAD_SIGNATURE') throw new HttpError(401, err.message)
          if (err.code !== 'CORRUPT_OBJECT') throw asHttpError(err)
        }
        throw new HttpError(400, `not a valid CAR upload: ${(err as Error).message}`)
      }
      const head = h
      // the head as an IPNS record too (optional): it must be the key's, for exactly this head
      const recordHeader = req.headers['x-acache-ipns-record']
      const record = typeof recordHeader === 'string' ? Buffer.from(recordHeader, 'base64') : undefined
      if (record !== undefined) {
        try { await checkIpnsRecord(head.key, record, dagJsonCid(headBytes), head.seq) } catch (err) { throw new HttpError(400, (err as Error).message) }
      }
      const get = async (cid: CID): Promise<Uint8Array> => {
        if (!(await stage.has(cid))) throw new HttpError(422, `the upload lacks block ${cid}`)
        return await stage.get(cid)
      }
      // landing takes turns (in this process) and the repository lock (against others)
      let turnDone = (): void => {}
      const { pulled, result: asRemote } = await acceptArrival(repo, defaultCtx({ progress: noProgress }), {
        what: 'receiving a push',
        head,
        headBytes,
        get,
        stage,
        receiveInto: nullStore,
        lock: async () => {
          const before = landing
          landing = new Promise<void>(resolve => { turnDone = resolve })
          await before
          try {
            const release = acquireLock(repo.layout.lock)
            return () => { release(); turnDone() }
          } catch (err) {
            turnDone()
            throw err
          }
        },
        recheck: () => { checkPushedHead(headBytes, (key) => trusted().has(key), publishedSeq) },
        settle: (_pulled, headCid) => {
          publishLocal(repo.layout, head.key, headBytes, record)
          // a friend's push is theirs to see here too: their remote-tracking refs move, as a fetch from them would move them
          return acceptPushedAsRemote(repo, head, headCid, headBytes)
        }
      })
      log(`accepted head seq ${head.seq} from ${head.key}: ${pulled.blocks} new blocks`)
      if (asRemote !== undefined) for (const u of asRemote.refs) log(`  ${u.ref.replace('refs/remotes/', '')} ${u.new === undefined ? 'deleted' : u.old === undefined ? `is ${u.new}` : `${u.old} -> ${u.new}`}${u.rejected !== undefined ? ` (refused: ${u.rejected})` : ''}`)
      return { key: head.key, seq: head.seq, blocks: pulled.blocks }
    } catch (err) {
      throw asHttpError(err)
    } finally {
      removeStage(stage)
      staged -= mine
      pushing--
    }
  }

  /** The seq this server publishes for `key`, if it publishes a head of it. */
  const publishedSeq = (key: string): number | undefined => {
    let current: Buffer | undefined
    try { current = fs.readFileSync(repo.layout.published(headFileName(key))) } catch { current = undefined }
    return current === undefined ? undefined : decodeHead(current).seq
  }

  return {
    methods: ['POST'],
    path: /^\/acache\/v1\/push$/,
    handle: async ({ req, res }) => {
      // a client that stops sending is dropped, and holds nobody up meanwhile
      dropWhenIdle(req, limits.idleMs, 'the upload stalled')
      const r = await receivePush(req)
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(r))
    }
  }
}
