import { BlockStore } from './blockstore.js'
import { FsBlockStore } from './fs-blockstore.js'
import { PackedBlockStore } from './packed-blockstore.js'
import { KuboBlockStore } from './kubo-blockstore.js'
import { kuboApiUrl } from './kubo-rpc.js'

/**
 * The one place a repository's store is chosen from its config, as
 * remote/open.ts chooses a transport from a URL. A backend is one file
 * implementing BlockStore (test/unit/store-contract.test.ts holds each to
 * the same contract):
 *
 *   embedded, packed   small blocks in pack files, large ones a file each (new repositories)
 *   embedded, flatfs   every block a file, Kubo's flatfs layout (`init --store-layout flatfs`,
 *                      and repositories made before packs)
 *   kubo               a Kubo node's blockstore through its RPC API
 */
export type StoreConfig = { type: 'embedded', layout?: StoreLayout } | { type: 'kubo', api: string }
export type StoreLayout = 'packed' | 'flatfs'

export function openBlockStore (config: StoreConfig | undefined, dirs: { blocks: string, kuboPins: string }): BlockStore {
  if (config?.type === 'kubo') return new KuboBlockStore(kuboApiUrl(config.api), dirs.kuboPins)
  return embeddedStore(dirs.blocks, config?.layout ?? 'flatfs')
}

/** The embedded store in a blocks directory, as its layout says. */
export function embeddedStore (blocks: string, layout: StoreLayout): FsBlockStore {
  return layout === 'packed' ? new PackedBlockStore(blocks) : new FsBlockStore(blocks)
}

/** Makes the blocks directory of a new embedded store. */
export function initEmbeddedStore (blocks: string, layout: StoreLayout): FsBlockStore {
  return layout === 'packed' ? PackedBlockStore.init(blocks) : FsBlockStore.init(blocks)
}
