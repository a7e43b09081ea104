/*
 * acache's native helper: the lstat of many tracked files in one call,
 * for status, commit and diff on large working roots (src/worktree/native.ts
 * loads it; without it acache uses fs.lstatSync, which makes a Stats object
 * and four Dates a call: ~30% more time on one thread, and much more on two,
 * where the garbage it makes costs both threads).
 *
 *   lstatRange(root, paths, starts, from, to, out)
 *
 * root    the working root (string); paths are resolved under it
 * paths   Uint8Array: UTF-8 paths, NUL-separated (the index's path column)
 * starts  Uint32Array: where path i starts in `paths`
 * out     Float64Array: 6 numbers a path (src/worktree/lstat.ts STAT_FIELDS):
 *         present (1; 0 when nothing is there; -1 when lstat failed
 *         otherwise: the caller asks fs.lstatSync again for its error),
 *         mode, size, mtimeMs, ctimeMs, ino; the times computed as Node
 *         computes Stats.mtimeMs, so that both give the same numbers.
 *
 * Fills rows [from, to). Every index and length is checked: a bad call
 * throws a TypeError or RangeError and reads or writes nothing out of bounds.
 *
 * The same module has cloneRange (native/reflink.c).
 */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __APPLE__
#define MTIME(st) (st).st_mtimespec
#define CTIME(st) (st).st_ctimespec
#else
#define MTIME(st) (st).st_mtim
#define CTIME(st) (st).st_ctim
#endif

#define FIELDS 6

static napi_value fail (napi_env env, const char *code, const char *msg, int range) {
  if (range) napi_throw_range_error(env, code, msg); else napi_throw_type_error(env, code, msg);
  return NULL;
}

static int typed (napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  bool is = false;
  napi_typedarray_type t;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &t, length, data, &ab, &offset) != napi_ok || t != want) return 0;
  return 1;
}

static double ms (struct timespec ts) {
  /* as Node's msFromTimeSpec: sec * 1e3 + nsec / 1e6, in doubles */
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6; /* built with -ffp-contract=off: no fused multiply-add */
}

static napi_value lstat_range (napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) return fail(env, "ERR_INVALID_ARG_TYPE", "lstatRange takes 6 arguments", 0);

  char root[PATH_MAX];
  size_t rootLen = 0;
  if (napi_get_value_string_utf8(env, argv[0], root, sizeof root, &rootLen) != napi_ok) return fail(env, "ERR_INVALID_ARG_TYPE", "root must be a string", 0);
  if (rootLen + 1 >= sizeof root) return fail(env, "ERR_OUT_OF_RANGE", "root is too long", 1);

  void *data;
  size_t pathsLen, startsLen, outLen;
  if (!typed(env, argv[1], napi_uint8_array, &data, &pathsLen)) return fail(env, "ERR_INVALID_ARG_TYPE", "paths must be a Uint8Array", 0);
  const char *paths = data;
  if (!typed(env, argv[2], napi_uint32_array, &data, &startsLen)) return fail(env, "ERR_INVALID_ARG_TYPE", "starts must be a Uint32Array", 0);
  const uint32_t *starts = data;
  if (!typed(env, argv[5], napi_float64_array, &data, &outLen)) return fail(env, "ERR_INVALID_ARG_TYPE", "out must be a Float64Array", 0);
  double *out = data;

  uint32_t from, to;
  if (napi_get_value_uint32(env, argv[3], &from) != napi_ok || napi_get_value_uint32(env, argv[4], &to) != napi_ok) return fail(env, "ERR_INVALID_ARG_TYPE", "from and to must be numbers", 0);
  if (from > to || to > startsLen || (size_t)to > outLen / FIELDS) return fail(env, "ERR_OUT_OF_RANGE", "rows out of range", 1);

  int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char path[PATH_MAX];
  for (uint32_t i = from; i < to; i++) {
    double *o = out + (size_t)i * FIELDS;
    o[0] = -1;
    size_t at = starts[i];
    if (dir < 0 || at > pathsLen) continue;
    const char *p = paths + at;
    const char *nul = memchr(p, 0, pathsLen - at);
    size_t len = nul == NULL ? pathsLen - at : (size_t)(nul - p);
    if (len == 0 || len >= sizeof path) continue; /* fs.lstatSync says why */
    memcpy(path, p, len);
    path[len] = 0;
    struct stat st;
    if (fstatat(dir, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      /* nothing there, or a parent that is now a file: not present */
      if (errno == ENOENT || errno == ENOTDIR) o[0] = 0;
      continue;
    }
    o[0] = 1;
    o[1] = (double)st.st_mode;
    o[2] = (double)st.st_size;
    o[3] = ms(MTIME(st));
    o[4] = ms(CTIME(st));
    o[5] = (double)st.st_ino;
  }
  if (dir >= 0) close(dir);
  return NULL;
}

/* native/reflink.c */
napi_value clone_range (napi_env env, napi_callback_info info);
napi_value dedupe_range (napi_env env, napi_callback_info info);

NAPI_MODULE_INIT () {
  napi_value fn;
  if (napi_create_function(env, "lstatRange", NAPI_AUTO_LENGTH, lstat_range, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "lstatRange", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "cloneRange", NAPI_AUTO_LENGTH, clone_range, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "cloneRange", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "dedupeRange", NAPI_AUTO_LENGTH, dedupe_range, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "dedupeRange", fn) != napi_ok) return NULL;
  return exports;
}
