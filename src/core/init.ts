import fs from 'node:fs'
import path from 'node:path'
import { Repo, REPO_DIR } from '../repo/repo.js'
import { RepoLayout } from '../repo/layout.js'
import { fail } from '../errors.js'
import { ChunkerName } from '../model/chunker.js'
import { writeChunker } from '../worktree/attributes.js'
import { KuboRpc, kuboApiUrl } from '../store/kubo-rpc.js'
import type { StoreLayout } from '../store/open.js'
import { installSampleHooks } from '../repo/hooks.js'

export interface InitResult { root: string, dir: string, bare: boolean, branch: string, chunker: ChunkerName, store: 'embedded' | 'kubo', layout?: StoreLayout, kubo?: { api: string, peer: string } }

export async function init (target: string, opts: { bare?: boolean, branch?: string, chunker?: ChunkerName, store?: 'embedded' | 'kubo', api?: string, layout?: StoreLayout } = {}): Promise<InitResult> {
  const root = path.resolve(target)
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) fail('BAD_PATH', `${target} exists and is not a directory`)
  if (opts.bare !== true && RepoLayout.holdsConfig(path.join(root, REPO_DIR))) {
    fail('EXISTS', `${root} is already an acache repository`)
  }
  const chunker = opts.chunker ?? 'fixed'
  if (chunker !== 'fixed' && chunker !== 'cdc') fail('USAGE', `unknown chunker ${String(chunker)}: fixed or cdc`)
  const store = opts.store ?? (opts.api !== undefined ? 'kubo' : 'embedded')
  let kubo: InitResult['kubo']
  if (store === 'kubo') {
    if (opts.api === undefined) fail('USAGE', '--store kubo needs --api: the address of the node\'s RPC API (e.g. 127.0.0.1:5001)')
    const api = kuboApiUrl(opts.api)
    // Ask the node who it is before recording it: an address that does not answer is refused now.
    const id = await new KuboRpc(api).call('ask its identity', async c => await c.id())
    kubo = { api, peer: String(id.id) }
  } else if (opts.api !== undefined) {
    fail('USAGE', '--api is for --store kubo')
  }
  const repo = Repo.init(root, { bare: opts.bare, branch: opts.branch, config: { chunker, store: kubo === undefined ? { type: 'embedded', layout: opts.layout ?? 'packed' } : { type: 'kubo', api: kubo.api } } })
  if (opts.bare !== true) installSampleHooks(repo)
  // The choice travels with the history: a tracked .acacheattributes.
  if (chunker !== 'fixed' && opts.bare !== true) writeChunker(root, chunker)
  return { root, dir: repo.dir, bare: opts.bare === true, branch: opts.branch ?? 'main', chunker, store, layout: kubo === undefined ? opts.layout ?? 'packed' : undefined, kubo }
}
