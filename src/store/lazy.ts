import { CID } from 'multiformats/cid'
import { AcacheError, fail } from '../errors.js'
import { BlockStore, CollectPlan, Collected, admitBlock } from './blockstore.js'

/** Where a block missing here may be had: a remote's name and how to ask it. */
export interface BlockSource { name: string, get: (cid: CID) => Promise<Uint8Array> }

export interface FetchingOptions {
  /** keep what is fetched in the store (a partially fetched repository), or only read it (checking staged history) */
  keep: boolean
  /**
   * Checks what a block claims to be before it is used (a commit's
   * signature): a block read this way enters history as surely as a fetched one.
   */
  admit?: (cid: CID, bytes: Uint8Array) => void
  onFetch?: (bytes: number) => void
  /** a source's failure is the answer (one source), rather than trying the next and then saying none had it */
  rethrow?: boolean
}

/**
 * A store that reads what it lacks from elsewhere: a repository fetched
 * partially (`fetch --depth`, `fetch -- PATH`) lacks blocks on purpose and
 * reads them from the remotes they can come from, so restore, switch, show
 * and mount work on the whole history; with none reachable the error names
 * them. Every block so read is checked against its CID and the size limit
 * (and by `admit`). A wrapper: `offline()` is the store underneath.
 */
export class FetchingBlockStore implements BlockStore {
  /** blocks fetched so far (for progress and reports) */
  fetched = 0

  constructor (private readonly inner: BlockStore, private readonly sources: BlockSource[], private readonly opts: FetchingOptions) {}

  get written (): { blocks: number, bytes: number } { return this.inner.written }

  blockFile (cid: CID): string | undefined { return this.inner.blockFile?.(cid) }

  async get (cid: CID): Promise<Uint8Array> {
    try {
      return await this.inner.get(cid)
    } catch (err) {
      if (!(err instanceof AcacheError) || err.code !== 'MISSING_OBJECT') throw err
    }
    const tried: string[] = []
    for (const s of this.sources) {
      try {
        const bytes = await s.get(cid)
        admitBlock(cid, bytes)
        this.opts.admit?.(cid, bytes)
        if (this.opts.keep) await this.inner.put(cid, bytes)
        this.fetched++
        this.opts.onFetch?.(bytes.byteLength)
        return bytes
      } catch (err) {
        // a block that is not what it must be is an attack, not a miss: say so
        if (this.opts.rethrow === true || (err instanceof AcacheError && (err.exitCode === 4 || err.code === 'TOO_LARGE' || err.code === 'BAD_OBJECT'))) throw err
        tried.push(`${s.name}: ${(err as Error).message}`)
      }
    }
    const names = this.sources.map(s => s.name)
    return fail('MISSING_OBJECT', `object ${cid} was not fetched (this repository was fetched partially) and cannot be had now`, {
      data: { cid: cid.toString(), tried },
      hint: `fetch it when ${names.join(' or ')} can be reached: \`acache fetch ${names[0] ?? 'REMOTE'}\``
    })
  }

  async put (cid: CID, bytes: Uint8Array): Promise<void> { await this.inner.put(cid, bytes) }
  async has (cid: CID): Promise<boolean> { return await this.inner.has(cid) }
  async delete (cid: CID): Promise<void> { await this.inner.delete(cid) }
  keys (): AsyncIterable<Uint8Array> { return this.inner.keys() }
  async size (cid: CID): Promise<number | undefined> { return await this.inner.size(cid) }
  async settle (roots: CID[]): Promise<void> { await this.inner.settle(roots) }
  async totalBytes (): Promise<number> { return await this.inner.totalBytes() }
  offline (): BlockStore { return this.inner.offline() }
  async land (order: Iterable<CID>, staged: BlockStore): Promise<void> { await this.inner.land(order, staged) }
  async collect (plan: CollectPlan): Promise<Collected> { return await this.inner.collect(plan) }
}
