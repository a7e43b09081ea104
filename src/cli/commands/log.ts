import chalk from 'chalk'
import { define } from '../command.js'

export default define({
  command: 'log [rev]',
  describe: 'Show history, each commit with its signature status',
  builder: (y) => y
    .positional('rev', { type: 'string', describe: 'where to start (default HEAD)' })
    .option('n', { alias: 'max-count', type: 'number', describe: 'show at most N commits', requiresArg: true })
    .option('oneline', { type: 'boolean', describe: 'one line a commit' }),
  run: async (args, { out, repo }) => {
    const { log } = await import('../../core/log.js')
    const { shortCid } = await import('../../repo/revs.js')
    const { safe } = await import('../render.js')
    const entries = await log(await repo(), { rev: args.rev, max: args.n })
    out.result({ commits: entries })
    for (const e of entries) {
      const sig = e.signature === 'good' ? chalk.green('good') : chalk.red('BAD')
      if (args.oneline === true) {
        out.line(`${chalk.yellow(shortCid(e.commit))} ${sig} ${safe(e.message.split('\n')[0])}`)
        continue
      }
      out.line(chalk.yellow(`commit ${e.commit}`) + ` (signature: ${sig})`)
      if (e.parents.length > 1) out.line(`Merge: ${e.parents.map(shortCid).join(' ')}`)
      out.line(`Author: ${safe(e.author.name)} <${e.author.key}>`)
      out.line(`Date:   ${e.time}`)
      out.line('')
      for (const l of e.message.replace(/\n+$/, '').split('\n')) out.line(`    ${safe(l)}`)
      out.line('')
    }
  }
})
