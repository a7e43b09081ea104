import fs from 'node:fs'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import { FsBlockStore } from './fs-blockstore.js'
import { AcacheError, fail } from '../errors.js'
import { checkBlock } from './blockstore.js'
import { MAX_BLOCK_BYTES, blockTooLarge } from '../model/limits.js'

/**
 * A repository fetched partially (`fetch --depth`, `fetch -- PATH`) lacks
 * blocks on purpose; `.acache/partial` names the remotes they can come from.
 * Reading such a block fetches it from them (checked against its CID, then
 * kept), so restore, switch, show and mount work on the whole history; with
 * no remote reachable the error names them.
 */
export interface PartialState { remotes: string[], shallow: string[] }

export function readPartial (dir: string): PartialState | undefined {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'partial'), 'utf8')) } catch { return undefined }
}

export function writePartial (dir: string, s: PartialState): void {
  fs.writeFileSync(path.join(dir, 'partial'), JSON.stringify(s, null, 2) + '\n')
}

export type BlockFetcher = (remote: string, cid: CID) => Promise<Uint8Array>

export class LazyBlockStore extends FsBlockStore {
  /** blocks fetched on demand so far (for progress and reports) */
  fetched = 0
  onFetch?: (bytes: number) => void

  /**
   * `admit` checks what a block claims to be before it is kept (a commit's
   * signature): a block read this way enters history as surely as a fetched one.
   */
  constructor (dir: string, private readonly remotes: string[], private readonly fetcher: BlockFetcher, private readonly admit: (cid: CID, bytes: Uint8Array) => void = () => {}) {
    super(dir)
  }

  override async get (cid: CID): Promise<Uint8Array> {
    try {
      return await super.get(cid)
    } catch (err) {
      if (!(err instanceof AcacheError) || err.code !== 'MISSING_OBJECT') throw err
    }
    const tried: string[] = []
    for (const r of this.remotes) {
      try {
        const bytes = await this.fetcher(r, cid)
        if (bytes.byteLength > MAX_BLOCK_BYTES) blockTooLarge(cid.toString(), bytes.byteLength)
        checkBlock(cid, bytes)
        this.admit(cid, bytes)
        await this.put(cid, bytes)
        this.fetched++
        this.onFetch?.(bytes.byteLength)
        return bytes
      } catch (err) {
        // a block that is not what it must be is an attack, not a miss: say so
        if (err instanceof AcacheError && (err.exitCode === 4 || err.code === 'TOO_LARGE' || err.code === 'BAD_OBJECT')) throw err
        tried.push(`${r}: ${(err as Error).message}`)
      }
    }
    return fail('MISSING_OBJECT', `object ${cid} was not fetched (this repository was fetched partially) and cannot be had now`, {
      data: { cid: cid.toString(), tried },
      hint: `fetch it when ${this.remotes.join(' or ')} can be reached: \`acache fetch ${this.remotes[0] ?? 'REMOTE'}\``
    })
  }
}
