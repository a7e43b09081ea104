import { StoreConfig } from '../store/open.js'
import { fail } from '../errors.js'
import { readTextIfExists, writeFileAtomic } from '../util/fs.js'
import { RepoLayout } from './layout.js'

/** A repository's settings (.acache/config, JSON): its store, chunker, remotes, trusted keys, and what other parts keep there (replicas). */
export interface RemoteConfig { url: string, key: string, name?: string, lastSeq?: number }

export interface Config {
  version: 1
  bare: boolean
  store: StoreConfig
  chunker: 'fixed' | 'cdc'
  remotes: Record<string, RemoteConfig>
  trusted: string[]
  [k: string]: unknown
}

export function defaultConfig (bare = false): Config {
  return { version: 1, bare, store: { type: 'embedded' }, chunker: 'fixed', remotes: {}, trusted: [] }
}

/** The settings of the repository at `dir`: a missing file is not a repository, a damaged one says so. */
export function readConfig (dir: string): Config {
  const file = new RepoLayout(dir).config
  const text = readTextIfExists(file)
  if (text === undefined) fail('NOT_A_REPOSITORY', `${dir} has no config`)
  try {
    const c = JSON.parse(text)
    if (c?.version !== 1) throw new Error('unsupported version')
    return { ...defaultConfig(), ...c }
  } catch (err) {
    return fail('BAD_CONFIG', `${file} is damaged: ${(err as Error).message}`)
  }
}

export function saveConfig (layout: RepoLayout, config: Config): void {
  writeFileAtomic(layout.config, JSON.stringify(config, null, 2) + '\n')
}
