import fs from 'node:fs'
import type { RepoLayout } from './layout.js'

/**
 * A repository fetched partially (`fetch --depth`, `fetch -- PATH`) lacks
 * blocks on purpose; `.acache/partial` names the remotes they can come from
 * and the commits whose parents were left there.
 */
export interface PartialState { remotes: string[], shallow: string[] }

export function readPartial (layout: RepoLayout): PartialState | undefined {
  try { return JSON.parse(fs.readFileSync(layout.partial, 'utf8')) } catch { return undefined }
}

export function writePartial (layout: RepoLayout, s: PartialState): void {
  fs.writeFileSync(layout.partial, JSON.stringify(s, null, 2) + '\n')
}
