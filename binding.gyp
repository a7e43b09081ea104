{
  "targets": [
    {
      "target_name": "acache_native",
      "sources": ["native/lstat.c", "native/reflink.c"],
      "cflags": ["-O2", "-ffp-contract=off", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
