import { define } from '../command.js'

export default define({
  command: 'fetch [remote]',
  describe: 'Get a friend\'s signed head and every block it reaches, all verified; update refs/remotes/NAME/*',
  builder: (y) => y.positional('remote', { type: 'string', describe: 'which remote (default: all)' }),
  run: async (args, { ctx, out, repo }) => {
    const { fetch } = await import('../../core/fetch.js')
    const { shortCid } = await import('../../repo/revs.js')
    const results = await fetch(await repo(), ctx, { remote: args.remote })
    out.result({ fetched: results })
    for (const r of results) {
      if (r.upToDate) { out.info(`${r.remote}: up to date (seq ${r.seq})`); continue }
      out.info(`${r.remote}: seq ${r.seq}, ${r.commits} new commits, ${r.blocks} blocks (${r.bytes} bytes)`)
      for (const u of r.refs) out.info(`  ${u.new === undefined ? '- [deleted]' : u.old === undefined ? '* [new]    ' : '  ' + shortCid(u.old) + '..' + shortCid(u.new)} ${u.ref.replace('refs/remotes/', '')}`)
    }
  }
})
