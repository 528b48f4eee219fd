#include "timing.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

double seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

struct clocks now(void)
{
    return (struct clocks){seconds(CLOCK_MONOTONIC), seconds(CLOCK_PROCESS_CPUTIME_ID)};
}

void keep_best(struct clocks *best, struct clocks t0)
{
    struct clocks t = now();
    if (t.wall - t0.wall < best->wall)
        best->wall = t.wall - t0.wall;
    if (t.cpu - t0.cpu < best->cpu)
        best->cpu = t.cpu - t0.cpu;
}

bool time_program(char *const argv[], struct clocks *best)
{
    extern char **environ;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) != 0) {
        fprintf(stderr, "bench: posix_spawn_file_actions failed\n");
        return false;
    }
    fflush(stdout);
    double w0 = seconds(CLOCK_MONOTONIC), c0 = children_cpu();
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: %s %s failed (status %d)\n", argv[0], argv[1], rc ? rc : status);
        return false;
    }
    double wall = seconds(CLOCK_MONOTONIC) - w0, cpu = children_cpu() - c0;
    best->wall = wall < best->wall ? wall : best->wall;
    best->cpu = cpu < best->cpu ? cpu : best->cpu;
    return true;
}
