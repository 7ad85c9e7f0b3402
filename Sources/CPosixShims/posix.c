#define _GNU_SOURCE
#include "CPosixShims.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

int cposix_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

pid_t cposix_spawn_worker(const char *path, char *const argv[],
                         char *const envp[], int task_fd, int result_fd,
                         int output_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t empty, all;
  pid_t pid = -1;
  int rc;

  // fds 3 and 4 are the child's channel: move ours out of the way first, so
  // a dup2 onto itself can never leave close-on-exec set.
  // The same for the output pipe, which becomes fds 1 and 2.
  int task_copy = fcntl(task_fd, F_DUPFD_CLOEXEC, 10);
  int result_copy = fcntl(result_fd, F_DUPFD_CLOEXEC, 10);
  int output_copy = fcntl(output_fd, F_DUPFD_CLOEXEC, 10);
  if (task_copy < 0 || result_copy < 0 || output_copy < 0) {
    int saved = errno;
    if (task_copy >= 0) close(task_copy);
    if (result_copy >= 0) close(result_copy);
    if (output_copy >= 0) close(output_copy);
    errno = saved;
    return -1;
  }

  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output_copy, 1);
  posix_spawn_file_actions_adddup2(&actions, output_copy, 2);
  posix_spawn_file_actions_adddup2(&actions, task_copy, 3);
  posix_spawn_file_actions_adddup2(&actions, result_copy, 4);
  // Nothing else: a host program's descriptors without close-on-exec (and our
  // copies above) stay out of the worker.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&actions, 5);
#endif

  posix_spawnattr_init(&attr);
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);

  rc = posix_spawn(&pid, path, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(task_copy);
  close(result_copy);
  close(output_copy);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

void cposix_decode_status(int status, int *exited, int *code, int *signal) {
  *exited = WIFEXITED(status) ? 1 : 0;
  *code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  *signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static int cposix_signal_fd = -1;

static void cposix_on_signal(int signo) {
  unsigned char byte = (unsigned char)signo;
  int saved = errno;
  if (cposix_signal_fd >= 0) {
    ssize_t ignored = write(cposix_signal_fd, &byte, 1);
    (void)ignored;
  }
  errno = saved;
}

void cposix_install_signal_pipe(int fd) {
  struct sigaction action;
  cposix_signal_fd = fd;
  memset(&action, 0, sizeof action);
  action.sa_handler = cposix_on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  signal(SIGPIPE, SIG_IGN);
  // A parent that spawned us from a thread that blocks signals (Dispatch,
  // Foundation's Process) passes that mask on: unblock ours, or they never arrive.
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGINT);
  sigaddset(&wanted, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);
}

void cposix_reset_signals(void) {
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

void cposix_malloc_trim(void) { malloc_trim(0); }

int cposix_file_has_writers(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  int result;
  if (fd < 0) return -1;
  if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
    fcntl(fd, F_SETLEASE, F_UNLCK);
    result = 0;
  } else {
    result = (errno == EAGAIN) ? 1 : -1;
  }
  close(fd);
  return result;
}

int cposix_set_xattr(const char *path, const char *name, const char *value,
                    size_t size) {
  return setxattr(path, name, value, size, 0);
}

ssize_t cposix_get_xattr(const char *path, const char *name, char *value,
                        size_t size) {
  return getxattr(path, name, value, size);
}

int cposix_limit_memory(unsigned long long bytes) {
  struct rlimit limit;
  limit.rlim_cur = (rlim_t)bytes;
  limit.rlim_max = (rlim_t)bytes;
  return setrlimit(RLIMIT_DATA, &limit);
}

int cposix_allowed_cpus(int *cpus, int capacity) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0)
    return -1;
  int n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && n < capacity; cpu++)
    if (CPU_ISSET(cpu, &set))
      cpus[n++] = cpu;
  return n;
}

int cposix_pin_threads(int cpu) {
  static cpu_set_t original;
  static int saved = 0;
  if (!saved) {
    if (sched_getaffinity(0, sizeof original, &original) != 0)
      return -1;
    saved = 1;
  }
  cpu_set_t set;
  if (cpu >= 0) {
    if (cpu >= CPU_SETSIZE) {
      errno = EINVAL;
      return -1;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
  } else {
    set = original;
  }
  DIR *tasks = opendir("/proc/self/task");
  if (!tasks)
    return -1;
  int result = 0;
  struct dirent *entry;
  while ((entry = readdir(tasks))) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
      continue;
    if (sched_setaffinity((pid_t)atoi(entry->d_name), sizeof set, &set) != 0)
      result = -1;
  }
  closedir(tasks);
  return result;
}

long cposix_file_system_type(const char *path) {
  struct statfs info;
  if (statfs(path, &info) != 0) return -1;
  return (long)(unsigned long)(unsigned int)info.f_type;
}
