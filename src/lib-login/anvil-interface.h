#ifndef ANVIL_INTERFACE_H
#define ANVIL_INTERFACE_H

/* The anvil protocol, version 1.0: the shared counters of Roost's
   processes, kept by the one anvil process (service anvil, listeners
   base_dir/anvil and base_dir/anvil-auth-penalty, mode 0600: processes
   connect while they are still root, before they drop privileges).

   Lines end in LF; fields are separated by TAB. No field may contain TAB,
   CR, LF or a byte below 0x20: clients replace them with '?' before
   sending (anvil_client_field()). A line is at most ANVIL_MAX_LINE_LENGTH
   bytes.

     C: VERSION TAB anvil TAB 1 TAB <minor>      first line, always
   Sessions (post-login processes; a session ends with DISCONNECT or when
   the connection that registered it closes):
     C: CONNECT TAB <pid> TAB <service> TAB <user> TAB <ip>
     C: DISCONNECT TAB <pid> TAB <service> TAB <user> TAB <ip>
     C: LOOKUP TAB <service> TAB <user> TAB <ip>
     S: <number of sessions of user from ip on service>
     C: WHO
     S: <user> TAB <service> TAB <pid> TAB <ip>  one line per session
     S: (an empty line ends the list)
     C: KICK TAB <user mask>            ('*' and '?' match any text / char)
     S: <user>                          once per user whose sessions anvil
     S: (an empty line ends the list)   told their processes to close
   and, unsolicited, to every connection that registered a session of such
   a user (the post-login process serving it):
     S: KICK TAB <user>
   A connection that registers sessions must therefore not send WHO or
   KICK (their answers could not be told from these lines); the answers to
   LOOKUP and PENALTY-GET start with a digit.
   Login penalty (login processes):
     C: PENALTY-GET TAB <ip>
     S: <recent failures> TAB <unix time of the last one, 0 if none>
     C: PENALTY-INC TAB <ip>
   Failures of an IP are forgotten ANVIL_PENALTY_EXPIRE_SECS after its
   last one; the count stops at ANVIL_PENALTY_MAX.

   Anvil never starts a conversation and answers queries in order. A
   malformed line (unknown command, wrong field count, bad number, no
   VERSION first, too long) is a peer bug: anvil logs it and closes that
   connection; the others go on. */

#define ANVIL_PROTOCOL_MAJOR_VERSION 1
#define ANVIL_PROTOCOL_MINOR_VERSION 0
#define ANVIL_MAX_LINE_LENGTH 1024
/* longest user/service/ip field anvil accepts */
#define ANVIL_MAX_FIELD_LENGTH 255

#define ANVIL_PENALTY_MAX 8
#define ANVIL_PENALTY_EXPIRE_SECS (60 * 60)

/* the unsolicited line, with the TAB */
#define ANVIL_KICK_PREFIX "KICK\t"

/* the listeners, relative to base_dir */
#define ANVIL_SOCKET_NAME "anvil"
#define ANVIL_PENALTY_SOCKET_NAME "anvil-auth-penalty"

#endif
