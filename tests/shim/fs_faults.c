/*
 * fs_faults.c: an LD_PRELOAD shim for tests/kill_moments.rs that kills the
 * process at a chosen file-system moment, or makes the disk look full.
 *
 * The test compiles it at run time, once per test binary:
 *
 *     cc -shared -fPIC -O1 -o <tmp>/fs_faults.so tests/shim/fs_faults.c -ldl
 *
 * and runs `succession` with LD_PRELOAD=<tmp>/fs_faults.so. Nothing is
 * changed unless one of the variables below is set.
 *
 * Moments. Every call that changes a run folder's names is one "moment",
 * numbered from 1 in the order the process makes them: rename, renameat,
 * renameat2 (where glibc has it), fsync, fdatasync, unlink, unlinkat, mkdir,
 * mkdirat, rmdir. A failed call (mkdir of a folder whose parent is missing,
 * say) is a moment too: the moment is the attempt. With `--threads 1` the
 * order of moments of a run is deterministic.
 *
 *   FS_FAULTS_LOG=<path>       append one line per moment to <path>, e.g.
 *                              `3 rename a/b.tmp a/b`, `7 fsync a/b.tmp`,
 *                              `9 unlinkat a/.runs/x.csv`. The line of the
 *                              moment a kill happens at ends `SIGKILL`.
 *                              With FS_FAULTS_ENOSPC_AFTER, writes to regular
 *                              files are logged too, as `w<k> <call> <path>
 *                              <bytes>` (the k-th successful write) or
 *                              `w- <call> <path> ENOSPC` (a refused one);
 *                              those lines are not moments.
 *   FS_FAULTS_KILL_AT=N        at the N-th moment (1-based), log it and
 *                              kill(getpid(), SIGKILL) BEFORE making the call:
 *                              the process dies with no chance to clean up,
 *                              as on a power cut or an OOM kill.
 *   FS_FAULTS_ENOSPC_AFTER=N   after N successful writes to REGULAR files,
 *                              every further write to a regular file fails
 *                              with ENOSPC (a full disk stays full). Writes
 *                              are write, writev, pwrite, pwrite64 and the
 *                              kernel copies std::io::copy uses between files
 *                              (copy_file_range, sendfile, sendfile64); each
 *                              call that writes at least one byte counts as
 *                              one write. Pipes and terminals (fstat not
 *                              S_ISREG) are never affected, so the error the
 *                              tool prints on stderr still gets out.
 *
 * Counters are C11 atomics, so calls from several threads are counted once
 * each. The shim's own log is opened with open(O_APPEND) and written with
 * the real write found by dlsym(RTLD_NEXT): it never goes through its own
 * interposed functions and its writes are neither counted nor refused.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 28))
#define FS_FAULTS_HAVE_RENAMEAT2 1
#endif

static atomic_long moments;   /* moments seen so far */
static atomic_long writes;    /* writes to regular files reserved so far */
static long kill_at = -1;     /* FS_FAULTS_KILL_AT, or -1 */
static long enospc_after = -1; /* FS_FAULTS_ENOSPC_AFTER, or -1 */
static int log_fd = -1;       /* FS_FAULTS_LOG, opened once */

/* The next definition of `name` after this shim: libc's. */
static void *real(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) {
        /* Cannot happen for the libc functions used here; be loud if it does. */
        static const char msg[] = "fs_faults: dlsym(RTLD_NEXT) found no libc function\n";
        ssize_t ignored = syscall(SYS_write, 2, msg, sizeof msg - 1);
        (void)ignored;
        abort();
    }
    return f;
}

/* `real_fn`: libc's `name`, looked up on first use (atomically: two threads
 * racing to look it up store the same pointer). */
#define REAL(name)                                                              \
    static __typeof__(name) *real_cache = NULL;                                 \
    __typeof__(name) *real_fn = __atomic_load_n(&real_cache, __ATOMIC_ACQUIRE); \
    if (real_fn == NULL) {                                                      \
        real_fn = (__typeof__(name) *)real(#name);                              \
        __atomic_store_n(&real_cache, real_fn, __ATOMIC_RELEASE);               \
    }

static long env_number(const char *name) {
    const char *text = getenv(name);
    if (text == NULL || *text == '\0') return -1;
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == NULL || *end != '\0' || value < 0) return -1;
    return value;
}

__attribute__((constructor)) static void fs_faults_init(void) {
    kill_at = env_number("FS_FAULTS_KILL_AT");
    enospc_after = env_number("FS_FAULTS_ENOSPC_AFTER");
    const char *log = getenv("FS_FAULTS_LOG");
    if (log != NULL && *log != '\0') {
        log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
}

/* Appends one line to the log with the real write (one write call, so lines
 * from two threads never interleave). */
static void log_line(const char *format, ...) {
    if (log_fd < 0) return;
    char line[3 * PATH_MAX + 128];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line - 1, format, args);
    va_end(args);
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = (int)(sizeof line - 2);
    line[n++] = '\n';
    REAL(write);
    int saved = errno;
    ssize_t ignored = real_fn(log_fd, line, (size_t)n);
    (void)ignored;
    errno = saved;
}

/* The path an open file descriptor names (for the log). */
static const char *fd_path(int fd, char *buf, size_t size) {
    if (fd == AT_FDCWD) return ".";
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, size - 1);
    if (n < 0) {
        snprintf(buf, size, "fd%d", fd);
    } else {
        buf[n] = '\0';
    }
    return buf;
}

/* `name` relative to the folder `dirfd` names, for the log. */
static const char *at_path(int dirfd, const char *name, char *buf, size_t size) {
    if (name != NULL && name[0] == '/') return name;
    if (dirfd == AT_FDCWD) return name != NULL ? name : "(null)";
    char dir[PATH_MAX];
    snprintf(buf, size, "%s/%s", fd_path(dirfd, dir, sizeof dir), name != NULL ? name : "(null)");
    return buf;
}

/* Counts one moment described by `what` (already formatted); kills the
 * process before the call if it is the chosen one. */
static void moment(const char *what) {
    long n = atomic_fetch_add(&moments, 1) + 1;
    if (n == kill_at) {
        log_line("%ld %s SIGKILL", n, what);
        kill(getpid(), SIGKILL);
        /* SIGKILL cannot be caught; never returns. */
        for (;;) pause();
    }
    log_line("%ld %s", n, what);
}

#define MOMENT(...)                                                             \
    do {                                                                        \
        if (log_fd >= 0 || kill_at > 0) {                                       \
            char what_[3 * PATH_MAX + 64];                                      \
            snprintf(what_, sizeof what_, __VA_ARGS__);                         \
            moment(what_);                                                      \
        } else {                                                                \
            atomic_fetch_add(&moments, 1);                                      \
        }                                                                       \
    } while (0)

/* ---- moments ---------------------------------------------------------- */

int rename(const char *from, const char *to) {
    REAL(rename);
    MOMENT("rename %s %s", from, to);
    return real_fn(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to) {
    REAL(renameat);
    char a[2 * PATH_MAX], b[2 * PATH_MAX];
    MOMENT("renameat %s %s", at_path(fromfd, from, a, sizeof a), at_path(tofd, to, b, sizeof b));
    return real_fn(fromfd, from, tofd, to);
}

#ifdef FS_FAULTS_HAVE_RENAMEAT2
int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags) {
    REAL(renameat2);
    char a[2 * PATH_MAX], b[2 * PATH_MAX];
    MOMENT("renameat2 %s %s flags=%u", at_path(fromfd, from, a, sizeof a),
           at_path(tofd, to, b, sizeof b), flags);
    return real_fn(fromfd, from, tofd, to, flags);
}
#endif

int fsync(int fd) {
    REAL(fsync);
    char p[PATH_MAX];
    MOMENT("fsync %s", fd_path(fd, p, sizeof p));
    return real_fn(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    char p[PATH_MAX];
    MOMENT("fdatasync %s", fd_path(fd, p, sizeof p));
    return real_fn(fd);
}

int unlink(const char *path) {
    REAL(unlink);
    MOMENT("unlink %s", path);
    return real_fn(path);
}

int unlinkat(int dirfd, const char *path, int flags) {
    REAL(unlinkat);
    char p[2 * PATH_MAX];
    MOMENT("unlinkat %s%s", at_path(dirfd, path, p, sizeof p),
           (flags & AT_REMOVEDIR) ? " AT_REMOVEDIR" : "");
    return real_fn(dirfd, path, flags);
}

int mkdir(const char *path, mode_t mode) {
    REAL(mkdir);
    MOMENT("mkdir %s", path);
    return real_fn(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode) {
    REAL(mkdirat);
    char p[2 * PATH_MAX];
    MOMENT("mkdirat %s", at_path(dirfd, path, p, sizeof p));
    return real_fn(dirfd, path, mode);
}

int rmdir(const char *path) {
    REAL(rmdir);
    MOMENT("rmdir %s", path);
    return real_fn(path);
}

/* ---- disk full -------------------------------------------------------- */

static int is_regular(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Before a write of `bytes` (0 if unknown) to `fd` by `call`: 0 to let it
 * through (counted later by wrote()), 1 to let it through uncounted, -1 to
 * refuse it with ENOSPC. */
static int before_write(const char *call, int fd, size_t bytes, long *ticket) {
    *ticket = -1;
    if (enospc_after < 0 || bytes == 0 || !is_regular(fd)) return 1;
    long t = atomic_fetch_add(&writes, 1);
    if (t >= enospc_after) {
        char p[PATH_MAX];
        log_line("w- %s %s ENOSPC", call, fd_path(fd, p, sizeof p));
        errno = ENOSPC;
        return -1;
    }
    *ticket = t;
    return 0;
}

/* After a write let through with `ticket`: a write of nothing gives its
 * ticket back. */
static void wrote(const char *call, int fd, long ticket, ssize_t result) {
    if (ticket < 0) return;
    if (result <= 0) {
        atomic_fetch_sub(&writes, 1);
        return;
    }
    char p[PATH_MAX];
    log_line("w%ld %s %s %zd", ticket + 1, call, fd_path(fd, p, sizeof p), result);
}

#define WRITE_BODY(call, fd, bytes, expr)                                       \
    long ticket;                                                                \
    int verdict = before_write(call, fd, bytes, &ticket);                       \
    if (verdict < 0) return -1;                                                 \
    ssize_t result = (expr);                                                    \
    if (verdict == 0) {                                                         \
        int saved = errno;                                                      \
        wrote(call, fd, ticket, result);                                        \
        errno = saved;                                                          \
    }                                                                           \
    return result

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    WRITE_BODY("write", fd, count, real_fn(fd, buf, count));
}

static size_t iov_bytes(const struct iovec *iov, int n) {
    size_t total = 0;
    for (int i = 0; i < n; i++) total += iov[i].iov_len;
    return total;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
    REAL(writev);
    WRITE_BODY("writev", fd, iov_bytes(iov, iovcnt), real_fn(fd, iov, iovcnt));
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite);
    WRITE_BODY("pwrite", fd, count, real_fn(fd, buf, count, offset));
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
    REAL(pwrite64);
    WRITE_BODY("pwrite64", fd, count, real_fn(fd, buf, count, offset));
}

ssize_t copy_file_range(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, size_t len,
                        unsigned int flags) {
    REAL(copy_file_range);
    WRITE_BODY("copy_file_range", fd_out, len,
               real_fn(fd_in, off_in, fd_out, off_out, len, flags));
}

ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count) {
    REAL(sendfile);
    WRITE_BODY("sendfile", out_fd, count, real_fn(out_fd, in_fd, offset, count));
}

ssize_t sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count) {
    REAL(sendfile64);
    WRITE_BODY("sendfile64", out_fd, count, real_fn(out_fd, in_fd, offset, count));
}
