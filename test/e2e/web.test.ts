/**
 * The web view of `acache serve`, in a real browser: headless Chromium
 * (Debian's package, installed by npm test's set-up) driven by
 * playwright-core. It opens the pages, follows links from a branch to a
 * commit to a file, checks what is shown, and saves screenshots under
 * test-output/web. Where Chromium is missing the browser test is reported
 * as skipped (not run), never as passed. Names, messages and contents are
 * hostile: nothing of them may run or become markup.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT, User, startServe } from '../helpers.js'

const chromium = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim()
const SHOTS = path.join(ROOT, 'test-output', 'web')
if (chromium === '') console.error('web view: Chromium is not installed (sudo apt-get install chromium): the browser test is skipped, not run')
const browserTest = chromium === '' ? test.serial.skip : test.serial

const EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'

browserTest('a person browses a served repository: branches, a friend\'s branch, its log with the merge graph and signature verdicts, a commit and its diff, a tree, text, an image, a binary download; hostile names, messages and contents stay text', async t => {
  t.timeout(240_000)
  const { chromium: pw } = await import('playwright-core')
  const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox'] })
  fs.mkdirSync(SHOTS, { recursive: true })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } })
    const dialogs: string[] = []
    page.on('dialog', d => { dialogs.push(d.message()); void d.dismiss() })
    // a real PNG, made by the browser itself
    await page.setContent('<div style="width:60px;height:40px;background:#0969da"></div>')
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 60, height: 40 } })

    const alice = new User('alice')
    alice.ok(['init', '-q'])
    alice.ok(['id', 'new', '--name', `alice ${EVIL}`])
    const aliceKey = alice.ok(['id', 'show', '--json']).json.key
    alice.write('README.md', '# A dataset\n\nRead me.\n')
    alice.write('src/app.ts', 'export const a = 1\nexport const b = 2\n')
    alice.write(`data/${EVIL.replace(/\//g, '_')}.csv`, `name,note\nx,${EVIL}\n`)
    alice.write('images/logo.png', png)
    const model = Buffer.alloc(300_000).map((_, i) => (i * 13) % 256)
    alice.write('model.bin', model)
    alice.write('.acacheowners', `/data/ ${aliceKey}\n`)
    alice.ok(['commit', '-q', '-m', `${EVIL} first import\n\nthe body ${EVIL}`])
    alice.ok(['switch', '-q', '-c', 'feature'])
    alice.write('src/app.ts', 'export const a = 1\nexport const b = 2\nexport const c = 3\n')
    alice.ok(['commit', '-q', '-m', 'feature: c'])
    alice.ok(['switch', '-q', 'main'])
    alice.write('README.md', '# A dataset\n\nRead me first.\n')
    alice.ok(['commit', '-q', '-m', 'readme'])
    alice.ok(['merge', '-q', 'feature', '-m', 'merge feature'])
    alice.ok(['push', '-q'])
    // carol, whom bob does not know, adds a commit that alice takes
    const carol = new User('carol')
    carol.ok(['id', 'new', '--name', 'carol'])
    carol.ok(['clone', '-q', alice.work, carol.path('repo'), '--key', aliceKey])
    fs.writeFileSync(carol.path('repo/NOTES.txt'), 'from carol\n')
    carol.ok(['commit', '-q', '-m', 'carol: notes'], { cwd: carol.path('repo') })
    carol.ok(['push', '-q'], { cwd: carol.path('repo') })
    const carolKey = carol.ok(['id', 'show', '--json']).json.key
    alice.ok(['remote', 'add', 'carol', carol.path('repo'), '--key', carolKey])
    alice.ok(['pull', '-q', 'carol', 'main'])
    alice.ok(['push', '-q'])
    // bob follows alice and serves what he has
    const bob = new User('bob').setup()
    bob.ok(['remote', 'add', 'alice', alice.work, '--key', aliceKey])
    bob.ok(['fetch', '-q', 'alice'])
    bob.ok(['merge', '-q', 'alice/main'])
    const s = await startServe(bob)
    try {
      const link = (name: string): ReturnType<typeof page.locator> => page.locator('a').filter({ hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })
      const shot = async (name: string): Promise<void> => { await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }) }
      const clean = async (): Promise<void> => {
        t.is(await page.evaluate(() => (window as any).__pwned), undefined, `nothing ran on ${page.url()}`)
        t.is(await page.locator('script').count(), 0, `no script element on ${page.url()}`)
        t.is(await page.locator('img[src="x"]').count(), 0, `no injected image on ${page.url()}`)
      }

      // a browser at / is sent to the view
      await page.goto(s.url + '/')
      t.is(new URL(page.url()).pathname, '/ui/')
      t.regex(await page.locator('h2').allTextContents().then(x => x.join('|')), /Branches\|From alice/)
      const friendRow = page.locator('tr', { has: link('alice/main') })
      t.regex(await friendRow.innerText(), /carol: notes/)
      t.regex(await friendRow.innerText(), /seq 2/)
      await shot('1-branches')
      await clean()

      // the friend's branch: its log, with the merge graph, good signatures for alice, unknown for carol
      await link('alice/main').click()
      t.is(new URL(page.url()).pathname, '/ui/log/alice%2Fmain')
      const rows = page.locator('table tr')
      t.is(await rows.count(), 6) // header + 5 commits
      const text = await page.locator('table').innerText()
      t.regex(text, /carol: notes[^\n]*\n?[^\n]*carol[\s\S]*?unknown key/)
      t.is((text.match(/\bgood\b/g) ?? []).length, 4)
      const graph = (await page.locator('td.graph').allTextContents()).join('\n')
      t.regex(graph, /\*/)
      t.regex(graph, /[\\/]/, 'a merge draws a second lane')
      t.true((await page.locator('body').innerText()).includes(`alice ${EVIL}`), 'the author\'s hostile name is shown as text')
      await shot('2-log')
      await clean()

      // a commit: its message as text, its diff
      await page.click(`a:has-text("first import")`)
      t.regex(new URL(page.url()).pathname, /^\/ui\/commit\/baguqeera/)
      t.is(await page.locator('h1').innerText(), `${EVIL} first import`)
      t.true((await page.locator('pre.msg').innerText()).includes(`the body ${EVIL}`))
      t.regex(await page.locator('h2').allTextContents().then(x => x.join('|')), /Changes: 6 files/)
      t.regex(await page.locator('body').innerText(), /model\.bin\s+added\s+binary/)
      await shot('3-commit')
      await clean()

      // from the diff to the file: text with line numbers
      await page.locator('.file').locator('a').filter({ hasText: /^src\/app\.ts$/ }).click()
      t.regex(new URL(page.url()).pathname, /^\/ui\/blob\/baguqeera[a-z0-9]+\/src\/app\.ts$/)
      t.deepEqual(await page.locator('.lines td.n').allTextContents(), ['1', '2'])
      t.deepEqual(await page.locator('.lines pre').allTextContents(), ['export const a = 1', 'export const b = 2'])
      await clean()

      // the tree at the branch, a directory, an image shown
      await page.goto(s.url + '/ui/tree/alice%2Fmain')
      t.is(await link(`${EVIL.replace(/\//g, '_')}.csv`).count(), 0) // it is in data/
      // each entry with the owners .acacheowners gives it
      t.true((await page.locator('tr', { has: link('data/') }).innerText()).includes(aliceKey.slice(0, 14)))
      t.false((await page.locator('tr', { has: link('src/') }).innerText()).includes('did:key'))
      await link('images/').click()
      await link('logo.png').click()
      const img = page.locator('img.view')
      await img.waitFor()
      t.is(await img.evaluate((el: any) => el.complete && el.naturalWidth), 60)
      await shot('4-image')
      await clean()

      // the hostile file: its name and content as text; the owners .acacheowners gives it
      await page.goto(s.url + '/ui/tree/alice%2Fmain/data')
      const evilName = `${EVIL.replace(/\//g, '_')}.csv`
      await link(evilName).click()
      t.deepEqual(await page.locator('.lines pre').allTextContents(), ['name,note', `x,${EVIL}`])
      t.regex(await page.locator('body').innerText(), new RegExp(`Owners \\(\\.acacheowners\\): ${aliceKey.slice(0, 14)}`))
      await shot('5-hostile-file')
      await clean()

      // a binary file: its size and CID, a download with the right headers and bytes
      await page.goto(s.url + '/ui/blob/alice%2Fmain/model.bin')
      const body = await page.locator('body').innerText()
      t.regex(body, /293\.0 KiB \(300000 bytes\)/)
      t.regex(body, /A binary file/)
      const cid = bob.ok(['show', 'alice/main:', '--json']).json.entries.find((e: any) => e.name === 'model.bin').cid
      t.true(body.includes(cid))
      t.is(await page.locator(`a[href="ipfs://${cid}"]`).count(), 1)
      const [download] = await Promise.all([page.waitForEvent('download'), link('download').click()])
      t.is(download.suggestedFilename(), 'model.bin')
      t.deepEqual(fs.readFileSync(await download.path()), model)
      const r = await fetch(s.url + '/ui/raw/alice%2Fmain/model.bin?download')
      t.is(r.headers.get('content-type'), 'application/octet-stream')
      t.regex(r.headers.get('content-disposition') ?? '', /^attachment; filename="model\.bin"/)
      t.is(r.headers.get('x-ipfs-path'), `/ipfs/${cid}`)
      // a raw HTML-ish file is text, and sandboxed: opened on its own, it runs nothing
      await page.goto(s.url + `/ui/raw/alice%2Fmain/data/${encodeURIComponent(evilName)}`)
      t.is(await page.evaluate(() => (window as any).__pwned), undefined)
      const raw = await fetch(s.url + `/ui/raw/alice%2Fmain/data/${encodeURIComponent(evilName)}`)
      t.is(raw.headers.get('content-type'), 'text/plain; charset=utf-8')
      t.regex(raw.headers.get('content-security-policy') ?? '', /sandbox/)
      t.deepEqual(dialogs, [])
      // and a page that is not there is a page that says so
      const missing = await page.goto(s.url + '/ui/blob/alice%2Fmain/nope.txt')
      t.is(missing?.status(), 404)
      t.regex(await page.locator('body').innerText(), /nope\.txt is not in alice\/main/)
    } finally {
      await s.stop()
    }
  } finally {
    await browser.close()
  }
})

test('a directory of 100,000 entries comes 500 a page; a 1 GiB file is offered, not read; the view is read-only and bounded', async t => {
  t.timeout(240_000)
  const u = new User('big').setup()
  const dir = u.path('many')
  fs.mkdirSync(dir)
  for (let i = 0; i < 100_000; i++) fs.writeFileSync(path.join(dir, `f${String(i).padStart(6, '0')}.txt`), `${i}\n`)
  // 1 GiB of zeros: a sparse file here, one block stored (every chunk the same)
  const fd = fs.openSync(u.path('huge.bin'), 'w')
  fs.ftruncateSync(fd, 1024 ** 3)
  fs.closeSync(fd)
  u.ok(['commit', '-q', '-m', 'big'])
  const s = await startServe(u)
  try {
    const get = async (p: string): Promise<{ status: number, text: string, headers: Headers }> => {
      const r = await fetch(s.url + p)
      return { status: r.status, text: await r.text(), headers: r.headers }
    }
    const first = await get('/ui/tree/main/many')
    t.is(first.status, 200)
    t.is((first.text.match(/<tr><td>📄/g) ?? []).length, 500)
    t.regex(first.text, /entries 1–500 of 100000/)
    t.regex(first.text, /href="\/ui\/tree\/main\/many\?page=1">next/)
    t.regex(first.text, />f000000\.txt</)
    const last = await get('/ui/tree/main/many?page=199')
    t.is((last.text.match(/<tr><td>📄/g) ?? []).length, 500)
    t.regex(last.text, /entries 99501–100000 of 100000/)
    t.regex(last.text, />f099999\.txt</)
    t.notRegex(last.text, />next/)
    // past the end: an empty page, not an error; a page number that is not one is the first page
    t.is((await get('/ui/tree/main/many?page=999999')).status, 200)
    t.regex((await get('/ui/tree/main/many?page=x')).text, /entries 1–500/)
    const huge = await get('/ui/blob/main/huge.bin')
    t.is(huge.status, 200)
    t.regex(huge.text, /1\.0 GiB \(1073741824 bytes\)/)
    t.regex(huge.text, /Too large to show here/)
    const head = await fetch(s.url + '/ui/raw/main/huge.bin', { method: 'HEAD' })
    t.is(head.headers.get('content-length'), String(1024 ** 3))
    // the commit of 100,001 files: 100 diffs, 900 more named without reading them, and no walk of the rest
    const commit = await get('/ui/commit/main')
    t.regex(commit.text, /Changes: more than 1000 files/)
    t.regex(commit.text, /The diff is cut after 100 files: 900 more are listed above, each a link to its file, and the list is cut there too/)
    t.true(commit.text.length < 1024 * 1024, `the page is ${commit.text.length} bytes`)
    // read-only
    const post = await fetch(s.url + '/ui/', { method: 'POST' })
    t.is(post.status, 405)
    // IPFS clients are unchanged: JSON errors and the gateway where they were
    t.is((await fetch(s.url + '/')).status, 404)
    t.is((await fetch(s.url + '/ui/', { method: 'HEAD' })).status, 200)
  } finally {
    await s.stop()
  }
})
