#include "probe.h"
#include "json_out.h"
#include "landlock.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Filter mode works when the kernel knows SECCOMP_RET_KILL_PROCESS (Linux >= 4.14). */
static int seccomp_filter_available(void) {
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) return 0;
    uint32_t action = SECCOMP_RET_KILL_PROCESS;
    return syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int probe_print(void) {
    struct utsname uts;
    uname(&uts);
    int abi = landlock_abi_version();
    int seccomp = seccomp_filter_available();
    const struct scmp_version *lib = seccomp_version();
    char libseccomp[32];
    snprintf(libseccomp, sizeof libseccomp, "%u.%u.%u", lib->major, lib->minor, lib->micro);
    int libseccomp_ok = lib->major > 2 || (lib->major == 2 && lib->minor >= 5);

    struct json_out o;
    json_out_init(&o);
    json_out_begin_object(&o);
    json_out_key(&o, "kernel"); json_out_string(&o, uts.release);
    json_out_key(&o, "arch"); json_out_string(&o, uts.machine);
    json_out_key(&o, "landlock_abi"); json_out_int(&o, abi);
    json_out_key(&o, "seccomp"); json_out_bool(&o, seccomp);
    json_out_key(&o, "libseccomp"); json_out_string(&o, libseccomp);
    json_out_key(&o, "libseccomp_api"); json_out_int(&o, seccomp_api_get());
    json_out_key(&o, "launcher"); json_out_string(&o, IRON_SANDBOX_VERSION);
    json_out_key(&o, "ok"); json_out_bool(&o, abi >= 1 && seccomp && libseccomp_ok);
    json_out_end_object(&o);
    json_out_write_line(&o, STDOUT_FILENO);
    return abi >= 1 && seccomp && libseccomp_ok ? 0 : 1;
}
