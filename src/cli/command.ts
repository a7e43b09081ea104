import type { Argv } from 'yargs'
import type { Output } from './output.js'
import type { Ctx } from '../context.js'
import type { Repo } from '../repo/repo.js'

/** What a command's run gets: parsed options, the context, output, and its repository. */
export interface IO {
  ctx: Ctx
  out: Output
  repo: () => Promise<Repo>
  /** prints acache's usage: the list of commands (`acache help`) */
  usage: () => void
}

export interface CommandDef {
  command: string | string[]
  describe: string
  builder?: (y: Argv) => Argv<any>
  /**
   * The positional that takes paths: what follows `--` is added to it, as
   * git reads `CMD [OPTIONS] -- PATH...`. A command without one that handles
   * `--` itself (revisions before it, paths after) says 'own'; any other
   * refuses paths after `--`.
   */
  paths?: string
  run: (args: any, io: IO) => Promise<void>
}

export function define (def: CommandDef): CommandDef { return def }
