import chalk from 'chalk'
import { define } from '../command.js'
import * as b from '../../core/branch.js'
import { shortCid } from '../../repo/revs.js'
import { AcacheError } from '../../errors.js'

export default define({
  builder: (y) => y
    .positional('name', { type: 'string', describe: 'the branch to make' })
    .positional('start', { type: 'string', describe: 'where it starts (default HEAD)' })
    .option('delete', { alias: 'd', type: 'string', describe: 'delete this branch (refused if HEAD does not hold its commits)', requiresArg: true })
    .option('D', { type: 'string', describe: 'delete this branch even if it is not merged (the reflog keeps where it was)', requiresArg: true })
    .option('move', { alias: 'm', type: 'boolean', describe: 'rename: -m NEW renames the current branch, -m OLD NEW another' })
    .option('M', { type: 'boolean', describe: 'rename, replacing a branch of the new name' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'with NAME: move an existing branch' })
    .option('all', { alias: 'a', type: 'boolean', describe: 'list remote branches too' })
    .option('remotes', { alias: 'r', type: 'boolean', describe: 'list only remote branches' }),
  run: async (args, { out, repo }) => {
    const r = await repo()
    if (args.move === true || args.M === true) {
      if (args.name === undefined) throw new AcacheError('USAGE', 'rename to what?', { hint: 'acache branch -m NEW, or acache branch -m OLD NEW' })
      const m = args.start === undefined ? b.renameBranch(r, undefined, args.name, args.M === true) : b.renameBranch(r, args.name, args.start, args.M === true)
      out.result({ renamed: m })
      out.line(`Renamed branch ${m.from} to ${m.to}`)
      return
    }
    if (args.delete !== undefined || args.D !== undefined) {
      const d = await b.deleteBranch(r, (args.delete ?? args.D) as string, args.D !== undefined)
      out.result({ deleted: d })
      out.line(`Deleted branch ${d.name} (was ${shortCid(d.commit)}); \`acache branch ${d.name} ${shortCid(d.commit)}\` brings it back.`)
      return
    }
    if (args.name !== undefined) {
      const made = await b.createBranch(r, args.name, args.start, args.force === true)
      out.result({ created: made })
      out.line(`Created branch ${made.name} at ${shortCid(made.commit)}`)
      return
    }
    const list = b.listBranches(r, { all: args.all, remotes: args.remotes })
    out.result({ branches: list })
    for (const x of list) {
      const name = x.remote ? chalk.red(`remotes/${x.name}`) : x.current ? chalk.green(x.name) : x.name
      out.data(`${x.current ? '*' : ' '} ${name} ${chalk.dim(shortCid(x.commit))}`)
    }
  }
})
