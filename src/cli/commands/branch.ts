import chalk from 'chalk'
import { define } from '../command.js'

export default define({
  command: 'branch [name] [start]',
  describe: 'List branches, make one (NAME [START]), or delete one (-d NAME)',
  builder: (y) => y
    .positional('name', { type: 'string', describe: 'the branch to make' })
    .positional('start', { type: 'string', describe: 'where it starts (default HEAD)' })
    .option('delete', { alias: 'd', type: 'string', describe: 'delete this branch', requiresArg: true })
    .option('force', { alias: 'f', type: 'boolean', describe: 'with NAME: move an existing branch' })
    .option('all', { alias: 'a', type: 'boolean', describe: 'list remote branches too' })
    .option('remotes', { alias: 'r', type: 'boolean', describe: 'list only remote branches' }),
  run: async (args, { out, repo }) => {
    const b = await import('../../core/branch.js')
    const { shortCid } = await import('../../repo/revs.js')
    const r = await repo()
    if (args.delete !== undefined) {
      const d = b.deleteBranch(r, args.delete)
      out.result({ deleted: d })
      out.line(`Deleted branch ${d.name} (was ${shortCid(d.commit)}).`)
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
      out.line(`${x.current ? '*' : ' '} ${name} ${chalk.dim(shortCid(x.commit))}`)
    }
  }
})
