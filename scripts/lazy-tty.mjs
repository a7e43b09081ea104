// What the bundle gives chalk's supports-color for node:tty: isatty, with the
// same answer, but node:tty (about 2 ms to load: it brings net and streams)
// is loaded only for a descriptor that is a character device other than
// /dev/null, as every terminal is. A pipe, a file or /dev/null is not a TTY.
/* global require */
import fs from 'node:fs'

let devNull
export function isatty (fd) {
  let st
  try { st = fs.fstatSync(fd) } catch { return false }
  if (!st.isCharacterDevice()) return false
  if (devNull === undefined) { try { devNull = fs.statSync('/dev/null').rdev } catch { devNull = -1 } }
  return st.rdev !== devNull && require('node:tty').isatty(fd)
}

export default { isatty }
