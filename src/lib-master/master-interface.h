#ifndef MASTER_INTERFACE_H
#define MASTER_INTERFACE_H

/* The contract between the master (roost) and every process it starts.
   Version 1. Both sides include this file only.

   File descriptors of a started process:
     0        /dev/null
     1        /dev/null
     2        the log pipe to the master (see log.h for the line format)
     3        MASTER_CONFIG_FD: the effective configuration as text (memfd)
     4        MASTER_STATUS_FD: write end of the service's status pipe
     5        MASTER_DEAD_FD: read end of a pipe the master never writes; EOF
              means "stop accepting and exit when your clients are done"
              (reload, shutdown, or the master died)
     6...     MASTER_LISTEN_FD_FIRST: the service's listeners, in the order
              named by MASTER_ENV_LISTENERS

   Environment:
     ROOST_SERVICE       service name
     ROOST_LISTENERS     space-separated "type:name[:ssl][:haproxy]" per listener fd,
                         type is inet or unix ("inet:imaps:ssl unix:login/imap")
     ROOST_CLIENT_LIMIT  connections one process serves at once
     ROOST_SERVICE_COUNT connections before the process exits (0: unlimited)
     ROOST_IDLE_KILL     seconds (informational; the master does the killing)
     ROOST_DROP_*        the privilege drop the process must make after it read
                         its secrets (see restrict-access.h)
     ROOST_NO_PRIVSEP    set when the master runs unprivileged: no drop
   The process writes a struct master_status to MASTER_STATUS_FD at start
   and whenever its number of available client slots changes. */

#define MASTER_PROTOCOL_VERSION 1

#define MASTER_CONFIG_FD 3
#define MASTER_STATUS_FD 4
#define MASTER_DEAD_FD 5
#define MASTER_LISTEN_FD_FIRST 6

#define MASTER_ENV_SERVICE "ROOST_SERVICE"
#define MASTER_ENV_LISTENERS "ROOST_LISTENERS"
#define MASTER_ENV_CLIENT_LIMIT "ROOST_CLIENT_LIMIT"
#define MASTER_ENV_SERVICE_COUNT "ROOST_SERVICE_COUNT"
#define MASTER_ENV_IDLE_KILL "ROOST_IDLE_KILL"
#define MASTER_ENV_NO_PRIVSEP "ROOST_NO_PRIVSEP"

struct master_status {
	pid_t pid;
	/* the master's generation number of this process (detects stale
	   writes after a reload) */
	unsigned int generation;
	unsigned int available_count;
};

/* Exit codes a process uses to tell the master why it stopped. */
#define MASTER_EXIT_CONFIG 89 /* FATAL_DEFAULT: fatal start-up error, throttle */
#define MASTER_EXIT_IDLE 0

#endif
