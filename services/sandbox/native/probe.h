/* `iron-sandbox --probe`: what this kernel and libseccomp offer, as one JSON line. */
#ifndef IRON_PROBE_H
#define IRON_PROBE_H

#define IRON_SANDBOX_VERSION "0.1.0"

/* Prints the probe JSON to stdout; returns 0 when the node can run the sandbox (Landlock ABI >= 1, seccomp, libseccomp >= 2.5), else 1. */
int probe_print(void);

#endif
