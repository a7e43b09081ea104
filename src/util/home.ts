import os from 'node:os'
import path from 'node:path'

/** Where your identity, seq counter and settings live: $ACACHE_HOME, else ~/.acache. */
export function acacheHome (env: NodeJS.ProcessEnv = process.env): string {
  return env.ACACHE_HOME ?? path.join(os.homedir(), '.acache')
}
