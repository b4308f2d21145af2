/*
 * source.c - plain and gzip file streams (see source.h). Owns the file
 * descriptor, the compressed input block and the zlib state.
 */
#include "walk/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct sp_source {
  int fd;
  bool gz, gz_done, eof;
  z_stream zs;
  unsigned char *in;
  uint64_t in_offset; /* compressed bytes consumed so far */
  bool is_mem;        /* memory source (tests, fuzzers): no fd */
  const char *mem;
  size_t mem_len, mem_pos;
  uint64_t out_bytes; /* (decompressed) bytes delivered so far */
};

static ssize_t read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      /* Keep what was read; the error comes back on the next call. */
      return got ? (ssize_t)got : -1;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

sp_err sp_source_open(const char *path, sp_source **out, char *msg,
                      size_t cap) {
  *out = NULL;
  sp_source *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    snprintf(msg, cap, "cannot open: %s", strerror(errno));
    free(s);
    return errno == ENOENT ? SP_ENOENT : SP_EIO;
  }
  unsigned char magic[2];
  ssize_t r = pread(s->fd, magic, 2, 0);
  if (r == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    s->gz = true;
    s->in = malloc(SP_SOURCE_BLOCK);
    if (!s->in || inflateInit2(&s->zs, 15 + 16) != Z_OK) {
      sp_source_close(s);
      return SP_ENOMEM;
    }
  }
  *out = s;
  return SP_OK;
}

sp_err sp_source_open_raw(const char *path, sp_source **out, char *msg,
                          size_t cap) {
  *out = NULL;
  sp_source *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    int err = errno;
    snprintf(msg, cap, "cannot open: %s", strerror(err));
    free(s);
    return err == ENOENT ? SP_ENOENT : SP_EIO;
  }
  *out = s;
  return SP_OK;
}

static sp_err read_gz(sp_source *s, char *buf, size_t cap, size_t *got,
                      char *msg, size_t mcap) {
  s->zs.next_out = (unsigned char *)buf;
  s->zs.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
  while (s->zs.avail_out > 0 && !s->gz_done) {
    if (s->zs.avail_in == 0) {
      ssize_t r = read_full(s->fd, s->in, SP_SOURCE_BLOCK);
      if (r < 0) {
        snprintf(msg, mcap, "read error: %s", strerror(errno));
        *got = cap - s->zs.avail_out;
        return SP_EIO;
      }
      if (r == 0) {
        s->gz_done = true;
        *got = cap - s->zs.avail_out;
        snprintf(msg, mcap, "truncated gzip stream at compressed offset %llu",
                 (unsigned long long)s->in_offset);
        return SP_ETRUNCATED;
      }
      s->zs.next_in = s->in;
      s->zs.avail_in = (uInt)r;
    }
    uInt before = s->zs.avail_in;
    int z = inflate(&s->zs, Z_NO_FLUSH);
    s->in_offset += before - s->zs.avail_in;
    if (z == Z_STREAM_END) {
      /* Concatenated members: go on if another member follows. */
      if (s->zs.avail_in == 0) {
        ssize_t r = read_full(s->fd, s->in, SP_SOURCE_BLOCK);
        if (r < 0) {
          s->gz_done = true;
          *got = cap - s->zs.avail_out;
          snprintf(msg, mcap, "read error: %s", strerror(errno));
          return SP_EIO;
        }
        if (r == 0) {
          s->gz_done = true;
          break;
        }
        s->zs.next_in = s->in;
        s->zs.avail_in = (uInt)r;
      }
      /* Padding or junk after a complete member is not another member:
         everything was recovered, so stop without an error. */
      if (s->zs.avail_in < 2 || s->zs.next_in[0] != 0x1f ||
          s->zs.next_in[1] != 0x8b) {
        s->gz_done = true;
        break;
      }
      if (inflateReset(&s->zs) != Z_OK) {
        s->gz_done = true;
        break;
      }
    } else if (z != Z_OK && z != Z_BUF_ERROR) {
      s->gz_done = true;
      *got = cap - s->zs.avail_out;
      snprintf(msg, mcap, "corrupt gzip data at compressed offset %llu: %s",
               (unsigned long long)s->in_offset,
               s->zs.msg ? s->zs.msg : "inflate error");
      return SP_EFORMAT;
    }
  }
  *got = cap - s->zs.avail_out;
  return SP_OK;
}

sp_err sp_source_open_mem(const char *buf, size_t len, sp_source **out) {
  *out = NULL;
  sp_source *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->fd = -1;
  s->is_mem = true;
  s->mem = buf;
  s->mem_len = len;
  *out = s;
  return SP_OK;
}

static sp_err source_read(sp_source *s, char *buf, size_t cap, size_t *got,
                          char *msg, size_t mcap) {
  *got = 0;
  if (s->is_mem) {
    size_t n = s->mem_len - s->mem_pos;
    if (n > cap)
      n = cap;
    if (n)
      memcpy(buf, s->mem + s->mem_pos, n);
    s->mem_pos += n;
    *got = n;
    return SP_OK;
  }
  if (s->gz)
    return read_gz(s, buf, cap, got, msg, mcap);
  if (s->eof)
    return SP_OK;
  ssize_t r = read_full(s->fd, buf, cap);
  if (r < 0) {
    snprintf(msg, mcap, "read error: %s", strerror(errno));
    return SP_EIO;
  }
  if (r == 0)
    s->eof = true;
  *got = (size_t)r;
  return SP_OK;
}

sp_err sp_source_read(sp_source *s, char *buf, size_t cap, size_t *got,
                      char *msg, size_t mcap) {
  sp_err e = source_read(s, buf, cap, got, msg, mcap);
  s->out_bytes += *got;
  return e;
}

uint64_t sp_source_bytes(const sp_source *s) { return s->out_bytes; }

void sp_source_close(sp_source *s) {
  if (!s)
    return;
  if (s->gz)
    inflateEnd(&s->zs);
  if (s->fd >= 0)
    close(s->fd);
  free(s->in);
  free(s);
}
