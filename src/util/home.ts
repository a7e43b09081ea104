import os from 'node:os'
import path from 'node:path'
import { knob } from './knobs.js'

/** Where your identity, seq counter and settings live: $ACACHE_HOME, else ~/.acache. */
export function acacheHome (): string {
  return knob('ACACHE_HOME') ?? path.join(os.homedir(), '.acache')
}
