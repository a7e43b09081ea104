/*
 * Sharing extents between files (reflink), for checkouts and commits on
 * file systems that can (XFS with reflink, Btrfs): a range of one file
 * becomes a range of another without a byte copied, and a later write to
 * either is copied on write, so the other never changes.
 *
 *   cloneRange(dstFd, srcPath, srcOffset, length, dstOffset) -> 0 or -errno
 *
 * Linux's FICLONERANGE. Offsets and the length must be multiples of the
 * file system's block size, except a range that ends at the end of the
 * source; the kernel checks and says EINVAL otherwise. Where the file
 * system cannot, EOPNOTSUPP, EXDEV (two file systems) or ENOTTY; on other
 * systems always -EOPNOTSUPP. The caller then writes the bytes itself.
 */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/fs.h>
#endif

/* The five arguments both calls take: (dstFd, srcPath, srcOffset, length, dstOffset); 0 after throwing on bad ones. */
static int range_args (napi_env env, napi_callback_info info, const char *usage, int32_t *dst, char *src, size_t srcSize, int64_t *srcOffset, int64_t *length, int64_t *dstOffset) {
  size_t argc = 5;
  napi_value argv[5];
  size_t srcLen;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 ||
      napi_get_value_int32(env, argv[0], dst) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], src, srcSize, &srcLen) != napi_ok ||
      napi_get_value_int64(env, argv[2], srcOffset) != napi_ok ||
      napi_get_value_int64(env, argv[3], length) != napi_ok ||
      napi_get_value_int64(env, argv[4], dstOffset) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return 0;
  }
  if (srcLen >= srcSize - 1 || *dst < 0 || *srcOffset < 0 || *length <= 0 || *dstOffset < 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "a path too long, or a negative fd, offset or length");
    return 0;
  }
  return 1;
}

napi_value clone_range (napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t dst;
  int64_t srcOffset, length, dstOffset;
  char src[4096];
  if (!range_args(env, info, "cloneRange(dstFd, srcPath, srcOffset, length, dstOffset)", &dst, src, sizeof src, &srcOffset, &length, &dstOffset)) return NULL;
  int rc = -EOPNOTSUPP;
#if defined(__linux__) && defined(FICLONERANGE)
  int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    rc = -errno;
  } else {
    struct file_clone_range r;
    r.src_fd = fd;
    r.src_offset = (uint64_t)srcOffset;
    r.src_length = (uint64_t)length;
    r.dest_offset = (uint64_t)dstOffset;
    rc = ioctl(dst, FICLONERANGE, &r) == 0 ? 0 : -errno;
    close(fd);
  }
#endif
  napi_create_int32(env, rc, &result);
  return result;
}

/*
 *   dedupeRange(dstFd, srcPath, srcOffset, length, dstOffset) -> bytes shared, or -errno
 *
 * Linux's FIDEDUPERANGE: the kernel compares the two ranges and shares the
 * extents only if their bytes are equal, so a file that changed meanwhile
 * is left as it is (-EBADE, "differs"). Used after a commit stored a file's
 * leaves: the working file then shares them instead of holding a second copy.
 */
napi_value dedupe_range (napi_env env, napi_callback_info info) {
  napi_value result;
  int32_t dst;
  int64_t srcOffset, length, dstOffset;
  char src[4096];
  if (!range_args(env, info, "dedupeRange(dstFd, srcPath, srcOffset, length, dstOffset)", &dst, src, sizeof src, &srcOffset, &length, &dstOffset)) return NULL;
  int64_t rc = -EOPNOTSUPP;
#if defined(__linux__) && defined(FIDEDUPERANGE)
  int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    rc = -errno;
  } else {
    struct { struct file_dedupe_range range; struct file_dedupe_range_info info; } r;
    memset(&r, 0, sizeof r);
    r.range.src_offset = (uint64_t)srcOffset;
    r.range.src_length = (uint64_t)length;
    r.range.dest_count = 1;
    r.info.dest_fd = dst;
    r.info.dest_offset = (uint64_t)dstOffset;
    if (ioctl(fd, FIDEDUPERANGE, &r) != 0) rc = -errno;
    else if (r.info.status == FILE_DEDUPE_RANGE_DIFFERS) rc = -EBADE;
    else if (r.info.status < 0) rc = r.info.status;
    else rc = (int64_t)r.info.bytes_deduped;
    close(fd);
  }
#endif
  napi_create_int64(env, rc, &result);
  return result;
}
