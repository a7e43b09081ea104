import { acacheHome } from './util/home.js'

/** A long job's progress, drawn by the CLI (on a terminal only) and ignored elsewhere. */
export interface Progress {
  start (label: string, total?: number, unit?: string): void
  tick (n?: number): void
  done (): void
}

export const noProgress: Progress = { start () {}, tick () {}, done () {} }

/** What the outside world gives an operation, so tests can give their own. */
export interface Ctx {
  cwd: string
  home: string
  now: () => Date
  progress: Progress
}

export function defaultCtx (over: Partial<Ctx> = {}): Ctx {
  return { cwd: process.cwd(), home: acacheHome(), now: () => new Date(), progress: noProgress, ...over }
}
