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

/**
 * A command in the registry (commands/index.ts): how it is called (yargs'
 * command string, its positionals), the line --help shows, and its module,
 * loaded only when the command runs.
 */
export interface CommandEntry {
  command: string
  describe: string
  load: () => Promise<CommandDef>
}

/** A command's module: its options, and what it runs. */
export interface CommandDef {
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
