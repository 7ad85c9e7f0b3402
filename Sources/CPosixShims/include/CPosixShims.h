// CPosixShims: the POSIX and Linux calls Swift cannot make directly (macros,
// _GNU_SOURCE-only functions, headers outside Swift's Glibc module). Kept apart
// from CVipsShims so that starting a process, reading a lease or setting an
// extended attribute does not include libvips.
//
// Conventions: every symbol is prefixed `cposix_`; calls that can fail return
// -1 with errno set, as the system calls they wrap do.
#ifndef CPOSIX_SHIMS_H
#define CPOSIX_SHIMS_H

#include <stddef.h>
#include <sys/types.h>

// --- processes --------------------------------------------------------------

/// pipe2(O_CLOEXEC): pipes must not leak into other workers, or EOF never comes.
int cposix_pipe_cloexec(int fds[2]);
/// posix_spawn of a worker: `task_fd` becomes fd 3 and `result_fd` fd 4 in the
/// child, stdin is /dev/null, stdout and stderr both go to `output_fd` (a pipe
/// the parent drains: stray prints never reach the protocol, and a crash's
/// backtrace never reaches the user's terminal). Every other descriptor is
/// closed in the child, close-on-exec or not (a host program's open files
/// never reach a worker). Empty signal mask, default dispositions, own process
/// group (a terminal's Ctrl-C reaches only the parent, which decides).
/// Returns the pid or -1 with errno set.
pid_t cposix_spawn_worker(const char *path, char *const argv[],
                          char *const envp[], int task_fd, int result_fd,
                          int output_fd);
/// Decodes a waitpid status (WIFEXITED & co. are macros).
void cposix_decode_status(int status, int *exited, int *code, int *signal);
/// Installs SIGINT/SIGTERM handlers that write the signal number as one byte
/// to `fd` (a self-pipe the run loop polls), and ignores SIGPIPE.
void cposix_install_signal_pipe(int fd);
/// Restores default SIGINT/SIGTERM handling and an empty signal mask.
void cposix_reset_signals(void);

// --- file systems -----------------------------------------------------------

/// The `f_type` magic number statfs(2) reports for the file system holding
/// `path` (sys/statfs.h is not in Swift's Glibc module): tells NFS and other
/// network file systems, where SQLite's WAL mode must not be used. -1 on error.
long cposix_file_system_type(const char *path);

// --- resources --------------------------------------------------------------

/// Caps this process's data segment (heap and anonymous mappings) at `bytes`
/// with RLIMIT_DATA: an allocation past it fails instead of growing. 0 on success.
int cposix_limit_memory(unsigned long long bytes);
/// Returns freed heap to the system (glibc).
void cposix_malloc_trim(void);
/// The CPUs this process may run on (sched_getaffinity), written to `cpus`
/// (at most `capacity`): their count, or -1 with errno.
int cposix_allowed_cpus(int *cpus, int capacity);
/// Keeps every thread of this process on `cpu` (sched_setaffinity on each
/// task in /proc/self/task; threads started later inherit it), or, with -1,
/// lets them run anywhere they could at the first call again. A worker doing
/// thumbnail-sized images keeps its threads together: libvips hands each
/// image between three threads, and a hand-over to another CPU costs an
/// inter-processor interrupt, which on a virtual machine costs more than the
/// image (measured: 8,000 tiny JPEGs in 3.5 s pinned, 6.5 s not). Returns 0,
/// or -1 with errno.
int cposix_pin_threads(int cpu);

// --- files ------------------------------------------------------------------

/// Whether another process has `path` open for writing: 1 yes, 0 no, -1 unknown.
/// A read lease (F_SETLEASE, behind _GNU_SOURCE) is refused while a writer has
/// the file open; leases need file ownership or CAP_LEASE, hence "unknown".
int cposix_file_has_writers(const char *path);
/// setxattr(2), following symbolic links: 0, or -1 with errno (ENOTSUP where
/// the file system keeps no user attributes). <sys/xattr.h> is not part of
/// Swift's Glibc module.
int cposix_set_xattr(const char *path, const char *name, const char *value,
                     size_t size);
/// getxattr(2), following symbolic links: the value's length, or -1 with errno
/// (ENODATA when the file has no such attribute).
ssize_t cposix_get_xattr(const char *path, const char *name, char *value,
                         size_t size);

#endif
