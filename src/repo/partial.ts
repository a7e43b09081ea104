import fs from 'node:fs'
import path from 'node:path'

/**
 * A repository fetched partially (`fetch --depth`, `fetch -- PATH`) lacks
 * blocks on purpose; `.acache/partial` names the remotes they can come from
 * and the commits whose parents were left there.
 */
export interface PartialState { remotes: string[], shallow: string[] }

export function readPartial (dir: string): PartialState | undefined {
  try { return JSON.parse(fs.readFileSync(path.join(dir, 'partial'), 'utf8')) } catch { return undefined }
}

export function writePartial (dir: string, s: PartialState): void {
  fs.writeFileSync(path.join(dir, 'partial'), JSON.stringify(s, null, 2) + '\n')
}
