/* fault.c - named fault-injection points for the crash and restart tests. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/fault.h"
#include "common/util.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char armed_point[32];
static long armed_hit = 1;
static int action_kill;
static int sleep_seconds;
static long hits;

static void parse(void)
{
    const char *spec = getenv("XINYU_FAULT");
    if (spec == NULL || *spec == '\0')
        return;
    char copy[128];
    if (util_strlcpy(copy, spec, sizeof copy) != 0)
        return;
    char *colon = strchr(copy, ':');
    if (colon == NULL)
        return;
    *colon = '\0';
    const char *action = colon + 1;
    char *at = strchr(copy, '@');
    if (at != NULL) {
        *at = '\0';
        int64_t n;
        if (util_parse_int64(at + 1, 1, 1000000, &n) != 0)
            return;
        armed_hit = (long)n;
    }
    if (strcmp(action, "kill") == 0) {
        action_kill = 1;
    } else if (strncmp(action, "sleep=", 6) == 0) {
        int s;
        if (util_parse_int(action + 6, 1, 3600, &s) != 0)
            return;
        sleep_seconds = s;
    } else {
        return;
    }
    util_strlcpy(armed_point, copy, sizeof armed_point);
}

void fault_point(const char *point)
{
    pthread_once(&once, parse);
    if (armed_point[0] == '\0' || strcmp(point, armed_point) != 0)
        return;
    pthread_mutex_lock(&lock);
    long hit = ++hits;
    pthread_mutex_unlock(&lock);
    if (hit != armed_hit)
        return;
    if (action_kill) {
        fprintf(stderr, "xinyu: fault injection: killed at %s\n", point);
        raise(SIGKILL);
    }
    /* nanosleep returns early on a signal; sleep the rest so the test's timing holds */
    struct timespec left = {sleep_seconds, 0};
    while (nanosleep(&left, &left) != 0)
        ;
}
