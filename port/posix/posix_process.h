/* plinth — what the POSIX backend's ways of starting a program share
 * (port/posix/posix_process.c, port/linux/linux_tracer.c).  Internal. */
#ifndef PLINTH_PORT_POSIX_PROCESS_H
#define PLINTH_PORT_POSIX_PROCESS_H

/* The environment for a child: this process's, with the names of add's
 * NAME=VALUE strings (NULL-terminated; add may be NULL) replaced by add's
 * values.  Returns a NULL-terminated array of pointers into environ and
 * add, which the caller frees (not the strings), or NULL when out of
 * memory.  Built before fork: after fork in a threaded process only
 * async-signal-safe calls are allowed, and setenv allocates. */
char **pl__process_child_environment(const char *const *add);

#endif /* PLINTH_PORT_POSIX_PROCESS_H */
