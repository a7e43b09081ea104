/**
 * gitignore patterns as git reads and matches them (gitignore(5), git's
 * dir.c and wildmatch.c): byte-wise and case-sensitive, with git's trailing
 * space, escape, `!`, `/` and `**` rules. Patterns and paths are compared as
 * byte strings (latin1 strings of their UTF-8 bytes), so `?` is one byte as
 * in git. The tests hold this against git itself.
 */

export interface Pattern {
  /** `!pattern`: a match re-includes */
  negative: boolean
  /** `pattern/`: matches directories only */
  dirOnly: boolean
  /** no slash but a trailing one: matched against the name alone, at any depth */
  basename: boolean
  match: RegExp
}

/** A path as the byte string patterns are matched against. */
export function byteString (s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1')
}

const NEVER = /(?!)/

/** Trailing spaces go unless escaped with a backslash (git's trim_trailing_spaces). */
function trimTrailingSpaces (line: string): string {
  let end = line.length
  while (end > 0 && line[end - 1] === ' ') {
    // an odd number of backslashes before it escapes this space
    let slashes = 0
    for (let i = end - 2; i >= 0 && line[i] === '\\'; i--) slashes++
    if (slashes % 2 === 1) break
    end--
  }
  return line.slice(0, end)
}

/** The patterns of an ignore file's bytes (latin1: one character a byte), in order. */
export function parsePatterns (text: string): Pattern[] {
  const out: Pattern[] = []
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1) // a CRLF file reads as git reads it
    if (line === '' || line.startsWith('#')) continue
    line = trimTrailingSpaces(line)
    if (line === '') continue
    let negative = false
    if (line.startsWith('!')) { negative = true; line = line.slice(1) }
    let dirOnly = false
    if (line.endsWith('/')) { dirOnly = true; line = line.slice(0, -1) }
    if (line === '') continue
    const basename = !line.includes('/')
    if (line.startsWith('/')) line = line.slice(1)
    const re = wildmatchSource(line)
    out.push({ negative, dirOnly, basename, match: re === undefined ? NEVER : new RegExp('^' + re + '$', 's') })
  }
  return out
}

const CLASSES: Record<string, (c: number) => boolean> = {
  alnum: c => isAlpha(c) || isDigit(c),
  alpha: c => isAlpha(c),
  blank: c => c === 32 || c === 9,
  cntrl: c => c < 32 || c === 127,
  digit: c => isDigit(c),
  graph: c => c > 32 && c < 127,
  lower: c => c >= 97 && c <= 122,
  print: c => c >= 32 && c < 127,
  punct: c => c > 32 && c < 127 && !isAlpha(c) && !isDigit(c),
  space: c => c === 32 || (c >= 9 && c <= 13),
  upper: c => c >= 65 && c <= 90,
  xdigit: c => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
}
function isAlpha (c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
function isDigit (c: number): boolean { return c >= 48 && c <= 57 }

function escapeChar (c: number): string {
  return '\\x' + c.toString(16).padStart(2, '0')
}

/**
 * A bracket expression from `p[i]` (the `[`): the regular expression of the
 * bytes it matches (never `/`), and where it ends; undefined when it is
 * malformed, which in git makes the whole pattern match nothing.
 */
function bracket (p: string, i: number): { re: string, next: number } | undefined {
  let j = i + 1
  let negate = false
  if (p[j] === '!' || p[j] === '^') { negate = true; j++ }
  const set = new Array<boolean>(256).fill(false)
  let prev = -1
  let first = true
  for (;;) {
    if (j >= p.length) return undefined
    let c = p.charCodeAt(j)
    if (c === 93 /* ] */ && !first) { j++; break }
    first = false
    if (c === 92 /* \ */) {
      j++
      if (j >= p.length) return undefined
      c = p.charCodeAt(j)
      set[c] = true
      prev = c
      j++
    } else if (c === 45 /* - */ && prev >= 0 && j + 1 < p.length && p[j + 1] !== ']') {
      j++
      let hi = p.charCodeAt(j)
      if (hi === 92) { j++; if (j >= p.length) return undefined; hi = p.charCodeAt(j) }
      for (let k = prev; k <= hi; k++) set[k] = true
      prev = -1
      j++
    } else if (c === 91 /* [ */ && p[j + 1] === ':') {
      // as git: up to the first ']', which must follow ':' (else the '[' is a plain one)
      const end = p.indexOf(']', j + 2)
      if (end < 0) return undefined
      if (end - (j + 2) < 1 || p[end - 1] !== ':') { set[c] = true; prev = c; j++; continue }
      const cls = CLASSES[p.slice(j + 2, end - 1)]
      if (cls === undefined) return undefined
      for (let k = 0; k < 256; k++) if (cls(k)) set[k] = true
      prev = -1
      j = end + 1
    } else {
      set[c] = true
      prev = c
      j++
    }
  }
  let re = '['
  for (let k = 0; k < 256; k++) if (k !== 47 && set[k] !== negate) re += escapeChar(k)
  re += ']'
  return { re: re === '[]' ? '(?!)' : re, next: j }
}

/** wildmatch with WM_PATHNAME as a regular expression's source; undefined when it can match nothing. */
export function wildmatchSource (p: string): string | undefined {
  let re = ''
  let i = 0
  while (i < p.length) {
    const c = p[i]
    if (c === '*') {
      let j = i
      while (p[j] === '*') j++
      const double = j - i >= 2
      const afterSlash = i === 0 || p[i - 1] === '/'
      if (double && afterSlash && p[j] === '/') { re += '(?:.*/)?'; i = j + 1; continue }
      if (double && afterSlash && j === p.length) { re += '.*'; i = j; continue }
      re += '[^/]*'
      i = j
    } else if (c === '?') {
      re += '[^/]'
      i++
    } else if (c === '[') {
      const b = bracket(p, i)
      if (b === undefined) return undefined
      re += b.re
      i = b.next
    } else if (c === '\\') {
      if (i + 1 >= p.length) return undefined // a trailing backslash matches nothing
      re += escapeChar(p.charCodeAt(i + 1))
      i += 2
    } else {
      re += escapeChar(p.charCodeAt(i))
      i++
    }
  }
  return re
}

/**
 * What the last pattern of a file matching `path` (relative to the file's
 * directory, as a byte string) says: true to exclude, false to re-include,
 * undefined when none matches.
 */
export function lastMatch (patterns: Pattern[], path: string, isDir: boolean): boolean | undefined {
  let name: string | undefined
  for (let i = patterns.length - 1; i >= 0; i--) {
    const pat = patterns[i]
    if (pat.dirOnly && !isDir) continue
    let subject = path
    if (pat.basename) {
      name ??= path.slice(path.lastIndexOf('/') + 1)
      subject = name
    }
    if (pat.match.test(subject)) return !pat.negative
  }
  return undefined
}
