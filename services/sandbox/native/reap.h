/* After the command ends, nothing it started may outlive it. */
#ifndef IRON_REAP_H
#define IRON_REAP_H

#include <sys/types.h>

/* Kills the process group pgid and every process reparented to us (we are a child subreaper),
 * and reaps them until no child is left. */
void reap_everything(pid_t pgid);

#endif
