import yargs from 'yargs'
import path from 'node:path'
import fs from 'node:fs'
import { Output } from './output.js'
import { AcacheError } from '../errors.js'
import { terminalProgress } from './progress.js'
import { commands } from './commands/index.js'
import type { CommandDef, CommandEntry, IO } from './command.js'
import { trace } from '../util/trace.js'
import { flattenCidText } from '../util/cid-text.js'
import { commandOf } from '../util/argv.js'
import { packageVersion } from '../util/package.js'
import { terminalColumns } from '../util/tty.js'
import { gitCommandHint, gitOptionHint } from './git-habits.js'

/** Runs acache with these arguments; returns the exit code. */
export async function main (argv: string[]): Promise<number> {
  flattenCidText()
  trace('main')
  argv = gitShorthands(argv)
  const json = argv.includes('--json')
  const out = new Output({ json, quiet: argv.includes('--quiet') || argv.includes('-q'), verbose: argv.includes('--verbose') })
  try {
    let y = yargs(argv)
      .scriptName('acache')
      .usage('acache: version control whose history lives on IPFS\n\nUsage: acache [-C DIR] <command> [options]')
      .option('C', { type: 'string', describe: 'run as if acache was started in DIR', global: true, requiresArg: true })
      .option('json', { type: 'boolean', describe: 'print one JSON document on stdout', global: true })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors (and what was asked for)', global: true })
      .option('verbose', { type: 'boolean', describe: 'say more about what happens', global: true })
      // acache speaks English; yargs would read the locale from the environment (about 3 ms) and mix in its own translations
      .detectLocale(false)
      .version(packageVersion())
      .help()
      .alias('h', 'help')
      .strict()
      .demandCommand(1, 'name a command: `acache --help` lists them')
      .recommendCommands()
      .wrap(Math.min(100, terminalColumns() ?? 80))
      .parserConfiguration({ 'populate--': true })
      .epilogue('Each command has a man page: man acache-<command> (or man -l man/acache-<command>.1).\nExit codes: 0 ok, 1 a finding, 2 bad usage or input, 3 not a repository or object missing,\n4 signature or ownership violation, 5 store or network unreachable, 70 a bug.')
      .fail((msg, err) => {
        // yargs' own checks (an option that needs a value and has none) are bad usage, not a bug
        if (err !== undefined && err !== null) throw err.name === 'YError' ? new AcacheError('USAGE', err.message, { hint: 'see `acache --help`' }) : err
        // an unknown command: name what was typed, and suggest only what is close to it
        const typed = commandOf(argv).command
        if (typed !== undefined && !known.has(typed)) {
          const habit = gitCommandHint(typed)
          if (habit !== undefined) throw new AcacheError('USAGE', `'${typed}' is not an acache command`, { hint: habit })
          const close = /Did you mean (\S+?)\?/.exec(msg ?? '')?.[1]
          throw new AcacheError('USAGE', `'${typed}' is not an acache command`, { hint: close !== undefined ? `did you mean \`acache ${close}\`?` : '`acache --help` lists them' })
        }
        // a git option acache has no use for: say what to do instead
        const unknown = /^Unknown arguments?: (.*)$/.exec(msg ?? '')?.[1].split(/,\s*/)
        const habit = unknown === undefined ? undefined : gitOptionHint(typed, unknown)
        throw new AcacheError('USAGE', msg ?? 'bad usage', { hint: habit ?? 'see `acache --help`' })
      })
    const known = new Set(commands.map(nameOf))
    // only the command named is loaded (its options, what it runs); the others are a line of --help
    const named = commandOf(argv).command
    for (const entry of commands) {
      const chosen = nameOf(entry) === named ? await entry.load() : undefined
      y = y.command({
        command: entry.command,
        describe: entry.describe,
        builder: chosen?.builder ?? ((b: any) => b),
        handler: async (args: any) => {
          const def = chosen ?? await entry.load()
          args.dashDash = args['--'] !== undefined || argv.includes('--')
          takePathsAfterDashes(def, nameOf(entry), args)
          const io = await makeIO(args, out, () => y.showHelp((s: string) => out.raw(s + '\n')))
          await def.run(args, io)
        }
      } as any)
    }
    // yargs renders the whole help text after every command, in case the command asks for it later
    // (about 5 ms of each run): only `acache help` does
    if (named !== 'help') (y as any).getInternalMethods().getUsageInstance().cacheHelpMessage = () => {}
    await y.parseAsync()
    await out.done()
    return out.exitCode
  } catch (err) {
    await out.done()
    return out.error(err)
  }
}

/** git's short forms yargs cannot read: `log -5` (`-n 5`), `switch -` and `merge -` (`@{-1}`), `status -uall` / `-uno` / `-u` (before any `--`). */
function gitShorthands (argv: string[]): string[] {
  const command = commandOf(argv).command
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length
  return argv.flatMap((a, i) => {
    if (i >= end) return [a]
    if (command === 'log' && /^-\d+$/.test(a)) return ['-n', a.slice(1)]
    if ((command === 'switch' || command === 'merge') && a === '-') return ['@{-1}']
    if (command === 'status' && /^-u(all|normal|no)?$/.test(a)) return [`--untracked-files=${a.slice(2) === '' ? 'all' : a.slice(2)}`]
    return [a]
  })
}

function nameOf (entry: CommandEntry): string {
  return entry.command.split(' ')[0]
}

/** What follows `--` goes to the command's paths (git's `-- PATH...`); a command that takes none says so. */
function takePathsAfterDashes (def: CommandDef, name: string, args: any): void {
  const after: string[] = (args['--'] ?? []).map(String)
  if (def.paths === 'own') return
  if (def.paths === undefined) {
    if (after.length > 0) throw new AcacheError('USAGE', `acache ${name} takes no paths, but ${JSON.stringify(after[0])} follows --`)
    return
  }
  if (after.length > 0) args[def.paths] = [...(args[def.paths] ?? []).map(String), ...after]
  delete args['--']
}

async function makeIO (args: any, out: Output, usage: () => void): Promise<IO> {
  // yargs has parsed the flags now (-q inside -qm too)
  out.opts.quiet = args.quiet === true
  out.opts.verbose = args.verbose === true
  let cwd = process.cwd()
  if (typeof args.C === 'string') {
    cwd = path.resolve(cwd, args.C)
    if (!fs.existsSync(cwd)) throw new AcacheError('BAD_PATH', `cannot use -C ${args.C}: no such directory`)
  }
  const { defaultCtx } = await import('../context.js')
  const ctx = defaultCtx({ cwd, progress: terminalProgress(!out.json && !out.opts.quiet) })
  return {
    ctx,
    out,
    usage,
    repo: async () => {
      const { openRepo } = await import('../services/open.js')
      // blocks a partial fetch left out, fetched as they are read: show it
      let started = false
      const repo = openRepo(cwd, (n) => {
        if (!started) {
          started = true
          ctx.progress.start('fetching blocks left out by a partial fetch', undefined, 'bytes')
          process.once('beforeExit', () => ctx.progress.done())
        }
        ctx.progress.tick(n)
      })
      repo.refs.now = ctx.now
      return repo
    }
  }
}
/** bin/git-remote-acache.js: git's remote helper (loaded only there: it needs readline and child_process). */
export async function remoteHelper (argv: string[]): Promise<number> {
  return await (await import('./git-remote-helper.js')).remoteHelper(argv)
}
