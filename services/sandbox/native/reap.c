#include "reap.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sends SIGKILL to every direct child listed in /proc; returns how many were listed. */
static int kill_listed_children(void) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    int count = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        kill((pid_t)pid, SIGKILL);
        count++;
    }
    fclose(f);
    return count;
}

void reap_everything(pid_t pgid) {
    for (;;) {
        kill(-pgid, SIGKILL);
        kill_listed_children();
        pid_t pid = waitpid(-1, NULL, 0);
        if (pid < 0 && errno == ECHILD) return;
        if (pid < 0 && errno != EINTR) return;
    }
}
