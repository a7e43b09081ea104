import type { Argv, ArgumentsCamelCase } from 'yargs'
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

/**
 * A command, its `run` typed from its `builder`: each option and positional
 * the builder declares is a typed field of `args` (camelCase too), and a
 * field it does not declare is a type error.
 */
export function define<T> (def: Omit<CommandDef, 'builder' | 'run'> & { builder?: (y: Argv) => Argv<T>, run: (args: ArgumentsCamelCase<T>, io: IO) => Promise<void> }): CommandDef {
  return def as CommandDef
}
