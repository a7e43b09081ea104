import { define } from '../command.js'
import { safe } from '../render.js'
import { fetch } from '../../core/fetch.js'
import { shortCid } from '../../repo/revs.js'
import { humanBytes } from '../../util/human.js'

export default define({
  paths: 'own',
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'which remote (default: all)' })
    .option('head', { type: 'string', describe: 'the signed head as a message (from their push), where the remote cannot give it (IPNS unreachable)', requiresArg: true })
    .option('force', { alias: 'f', type: 'boolean', describe: 'move a friend\'s tag that now names another commit (refused otherwise, as git\'s fetch refuses to clobber a tag)' })
    .option('depth', { type: 'number', describe: 'only the last N commits of each branch (older ones are fetched when read)', requiresArg: true })
    .parserConfiguration({ 'populate--': true })
    .usage('acache fetch [REMOTE] [--depth N] [-- PATH...]\n\nWith PATHs, only the blocks under them; what is left out is fetched when it is read.'),
  run: async (args, { ctx, out, repo }) => {
    const paths = ((args['--'] as unknown[] | undefined) ?? []).map((p) => String(p).replace(/^\/+|\/+$/g, ''))
    const results = await fetch(await repo(), ctx, { remote: args.remote, depth: args.depth, paths: paths.length > 0 ? paths : undefined, headMessage: args.head, force: args.force })
    out.result({ fetched: results })
    for (const r of results) {
      if (r.error !== undefined) {
        out.warn(`${r.remote}: ${safe(r.error.message)}`)
        // the first failure decides the exit status, after every remote was tried
        out.setExit(r.error.exitCode)
        continue
      }
      if (r.upToDate && r.refs.length === 0) { out.info(`${r.remote}: up to date (seq ${r.seq})`); continue }
      out.info(`${r.remote}: seq ${r.seq}, ${r.commits} new commit${r.commits === 1 ? '' : 's'}, ${r.blocks} block${r.blocks === 1 ? '' : 's'} (${humanBytes(r.bytes)})${(r.skipped ?? 0) > 0 ? `; ${r.skipped} links left at the remote (fetched when read)` : ''}${(r.resumed ?? 0) > 0 ? `; ${r.resumed} of the blocks were staged by an interrupted fetch, not downloaded again` : ''}`)
      for (const u of r.refs) {
        const name = u.ref.replace('refs/remotes/', '')
        // as git's fetch: a rewritten branch is a forced update (old...new), a moved tag is refused
        if (u.rejected !== undefined) { out.warn(` ! [rejected]        ${name} (${u.rejected}; \`acache fetch --force\` takes it)`); out.setExit(1); continue }
        if (u.new === undefined) out.info(`  - [deleted]         ${name}`)
        else if (u.old === undefined) out.info(`  * [new]             ${name}`)
        else if (u.forced === true) out.info(`  + ${shortCid(u.old)}...${shortCid(u.new)} ${name} (forced update; the old head is ${name}@{1})`)
        else out.info(`    ${shortCid(u.old)}..${shortCid(u.new)}  ${name}`)
      }
    }
  }
})
