import { define } from '../command.js'
import { importGit } from '../../core/git-import.js'

export default define({
  builder: (y) => y
    .positional('format', { type: 'string', choices: ['git'], describe: 'what to import from (git)' })
    .positional('source', { type: 'string', describe: 'the git repository: a work tree or a bare repository (default: the working root, when it is one)' })
    .option('branches', { type: 'string', array: true, describe: 'import only these branches (default: all)' })
    .option('tags', { type: 'boolean', default: true, describe: 'import tags, lightweight and annotated (--no-tags leaves them)' })
    .option('lfs-pointers', { type: 'boolean', describe: 'keep git-lfs pointer files as they are (default: store the content of the LFS objects that are here)' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'move branches that have commits here the git branch lacks' }),
  run: async (args, { ctx, out, repo }) => {
    const r = await repo()
    const res = await importGit(r, ctx, args.source ?? r.root ?? r.dir, {
      branches: args.branches, tags: args.tags !== false, lfsPointers: args.lfsPointers === true, force: args.force === true
    })
    out.result({ ...res })
    out.info(`Imported ${res.commits} commit${res.commits === 1 ? '' : 's'} from ${res.gitDir}${res.skipped > 0 ? ` (${res.skipped} imported before)` : ''}`)
    for (const x of res.refs) out.line(`  ${x.ref.replace(/^refs\/heads\//, '').replace(/^refs\/tags\//, 'tag ')} -> ${x.commit}${x.old !== undefined ? ` (was ${x.old})` : ''}`)
    if (res.submodules.length > 0) out.warn(`submodules are not imported as content: ${res.submodules.join(', ')} (each commit keeps their git commit, and export writes them back)`)
    if (res.lfs.stored > 0) out.info(`stored ${res.lfs.stored} git-lfs object${res.lfs.stored === 1 ? '' : 's'} as file content`)
    if (res.lfs.missing.length > 0) out.warn(`git-lfs objects not here, kept as pointer files: ${res.lfs.missing.slice(0, 10).join(', ')}${res.lfs.missing.length > 10 ? ` and ${res.lfs.missing.length - 10} more` : ''} (run \`git lfs fetch --all\` in the git repository, then import again)`)
    for (const l of res.leftOut) out.warn(`left out ${l}: only commits are imported`)
    if (res.checkedOut !== undefined) out.info(`Checked out ${r.refs.currentBranch() ?? 'HEAD'} at ${res.checkedOut}`)
    else if (r.root !== undefined && res.commits > 0) out.info('hint: the working root is as it was: `acache switch BRANCH` to check an imported branch out')
  }
})
