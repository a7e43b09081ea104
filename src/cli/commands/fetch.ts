import { define } from '../command.js'
import { safe } from '../render.js'

export default define({
  command: 'fetch [remote]',
  describe: 'Get a friend\'s signed head and every block it reaches, all verified; update refs/remotes/NAME/*',
  paths: 'own',
  builder: (y) => y
    .positional('remote', { type: 'string', describe: 'which remote (default: all)' })
    .option('head', { type: 'string', describe: 'the signed head as a message (from their push), where the remote cannot give it (IPNS unreachable)', requiresArg: true })
    .option('depth', { type: 'number', describe: 'only the last N commits of each branch (older ones are fetched when read)', requiresArg: true })
    .parserConfiguration({ 'populate--': true })
    .usage('acache fetch [REMOTE] [--depth N] [-- PATH...]\n\nWith PATHs, only the blocks under them; what is left out is fetched when it is read.'),
  run: async (args, { ctx, out, repo }) => {
    const { fetch } = await import('../../core/fetch.js')
    const { shortCid } = await import('../../repo/revs.js')
    const { humanBytes } = await import('../../util/human.js')
    const paths = (args['--'] ?? []).map((p: string) => String(p).replace(/^\/+|\/+$/g, ''))
    const results = await fetch(await repo(), ctx, { remote: args.remote, depth: args.depth, paths: paths.length > 0 ? paths : undefined, headMessage: args.head })
    out.result({ fetched: results })
    for (const r of results) {
      if (r.error !== undefined) {
        out.warn(`${r.remote}: ${safe(r.error.message)}`)
        // the first failure decides the exit status, after every remote was tried
        out.setExit(r.error.exitCode)
        continue
      }
      if (r.upToDate) { out.info(`${r.remote}: up to date (seq ${r.seq})`); continue }
      out.info(`${r.remote}: seq ${r.seq}, ${r.commits} new commit${r.commits === 1 ? '' : 's'}, ${r.blocks} block${r.blocks === 1 ? '' : 's'} (${humanBytes(r.bytes)})${(r.skipped ?? 0) > 0 ? `; ${r.skipped} links left at the remote (fetched when read)` : ''}${(r.resumed ?? 0) > 0 ? `; ${r.resumed} of the blocks were staged by an interrupted fetch, not downloaded again` : ''}`)
      for (const u of r.refs) out.info(`  ${u.new === undefined ? '- [deleted]' : u.old === undefined ? '* [new]    ' : '  ' + shortCid(u.old) + '..' + shortCid(u.new)} ${u.ref.replace('refs/remotes/', '')}`)
    }
  }
})
