/* fault.h - named fault-injection points, inert unless XINYU_FAULT names one. */
#ifndef XINYU_FAULT_H
#define XINYU_FAULT_H

/*
 * XINYU_FAULT="POINT@N:ACTION" makes the N-th pass (default 1) through POINT do ACTION:
 * "kill" (SIGKILL: the process dies as in a crash) or "sleep=S" (S seconds, for a test to
 * do something meanwhile, e.g. restart the server or send SIGTERM). Points: "inflate",
 * "copy", "merge", "commit", "report_write", "report_read" (between two reads of one
 * report), "problems_sent" (the quality report written, the problems it carried recorded
 * as sent but not yet committed). Used by the fault tests; never fails.
 */
void fault_point(const char *point);

#endif
