/* Exit codes of the launcher's own failures. They sit where `env` and shells put theirs
 * (126 cannot execute, 127 not found) so a caller can tell "the sandbox could not start"
 * from "the program failed"; --status-fd removes the remaining ambiguity. */
#ifndef IRON_EXIT_CODES_H
#define IRON_EXIT_CODES_H

#define EXIT_PREPARE 120   /* temp dir, pipes, fork */
#define EXIT_POLICY 121    /* bad flags or policy file */
#define EXIT_LIMITS 122    /* setrlimit */
#define EXIT_PRIVILEGES 123 /* --uid/--gid drop, PR_SET_NO_NEW_PRIVS */
#define EXIT_LANDLOCK 124  /* Landlock missing (when required) or refused a rule */
#define EXIT_SECCOMP 125   /* building or loading the seccomp filter */
#define EXIT_EXEC 126      /* the command exists but cannot be executed */
#define EXIT_NOT_FOUND 127 /* the command was not found (or is not readable inside the sandbox) */

#endif
