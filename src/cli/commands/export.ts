import { define } from '../command.js'
import { exportGit } from '../../core/git-export.js'

export default define({
  builder: (y) => y
    .positional('format', { type: 'string', choices: ['git'], describe: 'what to export to (git)' })
    .positional('dir', { type: 'string', demandOption: true, describe: 'the git repository to write into (made when it does not exist)' })
    .option('branches', { type: 'string', array: true, describe: 'export only these branches (default: all)' })
    .option('tags', { type: 'boolean', default: true, describe: 'export tags (--no-tags leaves them)' })
    .option('bare', { type: 'boolean', describe: 'make a bare git repository (no checkout)' }),
  run: async (args, { ctx, out, repo }) => {
    const res = await exportGit(await repo(), ctx, args.dir, { branches: args.branches, tags: args.tags !== false, bare: args.bare === true })
    out.result({ ...res })
    out.info(`Exported ${res.commits} commit${res.commits === 1 ? '' : 's'} to ${res.gitDir} (${res.original} as the git objects they were imported from, ${res.objects} objects written)`)
    for (const x of res.refs) out.line(`  ${x.ref.replace(/^refs\/heads\//, '').replace(/^refs\/tags\//, 'tag ')} -> ${x.git}`)
    if (res.emptyDirs > 0) out.warn(`${res.emptyDirs} empty director${res.emptyDirs === 1 ? 'y is' : 'ies are'} written as empty git trees, which git does not check out`)
  }
})
