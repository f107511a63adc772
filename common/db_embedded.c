/* db_embedded.c - the private PostgreSQL cluster under var/ used when no database is configured. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

#define EMBEDDED_PORT "5432"
#define EMBEDDED_DB "xinyu"
#define EMBEDDED_USER "xinyu"
#define SERVER_USER "postgres"

struct paths {
    char pg[PATH_MAX];   /* var/pg, owned by the server's user, 0700 */
    char data[PATH_MAX]; /* var/pg/data */
    char run[PATH_MAX];  /* var/pg/run: the Unix socket */
    char log[PATH_MAX];  /* var/pg/server.log */
    char bindir[PATH_MAX];
};

static int join(char *out, size_t n, const char *a, const char *b)
{
    int w = snprintf(out, n, "%s/%s", a, b);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

/* Picks the newest /usr/lib/postgresql/N/bin, unless PG_BINDIR says otherwise. */
static int find_bindir(char *out, size_t n)
{
    const char *env = getenv("PG_BINDIR");
    if (env != NULL && *env != '\0')
        return util_strlcpy(out, env, n);
    DIR *d = opendir("/usr/lib/postgresql");
    int best = -1;
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int v;
            char initdb[PATH_MAX];
            if (util_parse_int(e->d_name, 1, 999, &v) != 0 || v <= best)
                continue;
            snprintf(initdb, sizeof initdb, "/usr/lib/postgresql/%s/bin/initdb", e->d_name);
            if (access(initdb, X_OK) == 0)
                best = v;
        }
        closedir(d);
    }
    if (best < 0)
        return -1;
    int w = snprintf(out, n, "/usr/lib/postgresql/%d/bin", best);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

static int make_paths(const char *var_dir, struct paths *p)
{
    char var_abs[PATH_MAX];
    if (util_mkdirs(var_dir, false) != 0 || realpath(var_dir, var_abs) == NULL) {
        log_error("cannot create %s: %s", var_dir, strerror(errno));
        return -1;
    }
    if (join(p->pg, sizeof p->pg, var_abs, "pg") != 0 ||
        join(p->data, sizeof p->data, p->pg, "data") != 0 ||
        join(p->run, sizeof p->run, p->pg, "run") != 0 ||
        join(p->log, sizeof p->log, p->pg, "server.log") != 0) {
        log_error("the path of %s is too long", var_dir);
        return -1;
    }
    /* a Unix socket path must fit sockaddr_un (107 bytes with ".s.PGSQL.5432") */
    if (strlen(p->run) + sizeof "/.s.PGSQL." EMBEDDED_PORT > 107) {
        log_error_detail("the embedded server's socket path is too long", p->run,
                         "Run xinyu from a shorter directory, or set --var to a short path.");
        return -1;
    }
    if (find_bindir(p->bindir, sizeof p->bindir) != 0) {
        log_error_detail("cannot find the PostgreSQL server programs",
                         "No /usr/lib/postgresql/N/bin/initdb was found.",
                         "Install Debian's postgresql package (make deps does) or set PG_BINDIR.");
        return -1;
    }
    return 0;
}

/*
 * Runs argv with stdout and stderr appended to logpath, as the server's user when
 * we are root. Returns the exit status, or -1 when it could not run.
 */
static int run_server_tool(char *const argv[], const char *logpath, const char *cwd)
{
    struct passwd *pw = NULL;
    if (geteuid() == 0) {
        pw = getpwnam(SERVER_USER);
        if (pw == NULL) {
            log_error_detail("cannot run the embedded server as root",
                             "PostgreSQL refuses to run as root and there is no 'postgres' user.",
                             "Install Debian's postgresql package, which creates it.");
            return -1;
        }
    }
    pid_t pid = fork();
    if (pid < 0) {
        log_error("cannot start %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        if (pw != NULL) {
            if (setgid(pw->pw_gid) != 0 || initgroups(pw->pw_name, pw->pw_gid) != 0 ||
                setuid(pw->pw_uid) != 0)
                _exit(126);
            setenv("HOME", pw->pw_dir, 1);
        }
        if (chdir(cwd) != 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return -1;
}

/* Gives the directory to the server's user when we are root. */
static int own_for_server(const char *path)
{
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam(SERVER_USER);
    if (pw == NULL)
        return -1;
    if (chown(path, pw->pw_uid, pw->pw_gid) != 0) {
        log_error("cannot give %s to the %s user: %s", path, SERVER_USER, strerror(errno));
        return -1;
    }
    return 0;
}

int db_embedded_running(const char *var_dir)
{
    struct paths p;
    if (make_paths(var_dir, &p) != 0)
        return 0;
    char pidfile[PATH_MAX];
    if (join(pidfile, sizeof pidfile, p.data, "postmaster.pid") != 0)
        return 0;
    FILE *f = fopen(pidfile, "r");
    if (f == NULL)
        return 0;
    char line[32] = "";
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    if (got == NULL)
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    int pid;
    if (util_parse_int(line, 1, INT_MAX, &pid) != 0)
        return 0;
    return kill(pid, 0) == 0 || errno == EPERM;
}

static int create_database(char *conninfo, size_t len, const struct paths *p)
{
    char admin[PATH_MAX + 96];
    snprintf(admin, sizeof admin, "host=%s port=%s user=%s dbname=postgres", p->run, EMBEDDED_PORT,
             EMBEDDED_USER);
    PGconn *conn = db_connect(admin, NULL);
    if (conn == NULL)
        return -1;
    PGresult *res = db_query(conn, "SELECT 1 FROM pg_database WHERE datname = '" EMBEDDED_DB "'", 0,
                             NULL, PGRES_TUPLES_OK, "cannot list databases");
    int rc = -1;
    if (res != NULL) {
        bool exists = PQntuples(res) == 1;
        PQclear(res);
        rc = exists ? 0
                    : db_exec(conn, "CREATE DATABASE " EMBEDDED_DB, "cannot create the database");
    }
    PQfinish(conn);
    if (rc != 0)
        return -1;
    int w = snprintf(conninfo, len, "host=%s port=%s user=%s dbname=%s", p->run, EMBEDDED_PORT,
                     EMBEDDED_USER, EMBEDDED_DB);
    return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

/* Appends our settings to postgresql.conf of a new cluster. */
static int configure_cluster(const struct paths *p)
{
    char conf[PATH_MAX];
    if (join(conf, sizeof conf, p->data, "postgresql.conf") != 0)
        return -1;
    FILE *f = fopen(conf, "a");
    if (f == NULL) {
        log_error("cannot open %s: %s", conf, strerror(errno));
        return -1;
    }
    fprintf(f,
            "\n# xinyu: embedded server, reachable only through its private socket\n"
            "listen_addresses = ''\n"
            "unix_socket_directories = '%s'\n"
            "unix_socket_permissions = 0700\n"
            "port = %s\n"
            "max_connections = 100\n"
            "# a district's roll-up workbook is merged in one transaction, a lock per school\n"
            "max_locks_per_transaction = 512\n"
            "shared_buffers = 256MB\n"
            "work_mem = 32MB\n"
            "maintenance_work_mem = 256MB\n"
            "max_wal_size = 4GB\n"
            "checkpoint_timeout = 15min\n"
            "wal_compression = on\n",
            p->run, EMBEDDED_PORT);
    if (fclose(f) != 0) {
        log_error("cannot write %s: %s", conf, strerror(errno));
        return -1;
    }
    return 0;
}

int db_embedded_start(const char *var_dir, char *conninfo, size_t conninfo_len)
{
    struct paths p;
    if (make_paths(var_dir, &p) != 0)
        return -1;
    if (util_mkdirs(p.pg, true) != 0) {
        log_error("cannot create %s: %s", p.pg, strerror(errno));
        return -1;
    }
    /* one starter at a time: a second process waits here and then finds it running */
    char lockpath[PATH_MAX];
    if (join(lockpath, sizeof lockpath, p.pg, "start.lock") != 0)
        return -1;
    int lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0) {
        log_error("cannot lock %s: %s", lockpath, strerror(errno));
        if (lockfd >= 0)
            close(lockfd);
        return -1;
    }
    int rc = -1;
    if (own_for_server(p.pg) != 0)
        goto out;

    char version[PATH_MAX];
    if (join(version, sizeof version, p.data, "PG_VERSION") != 0)
        goto out;
    if (access(version, F_OK) != 0) {
        log_info("creating the embedded PostgreSQL cluster in %s", p.data);
        char initdb[PATH_MAX];
        char initlog[PATH_MAX];
        if (join(initdb, sizeof initdb, p.bindir, "initdb") != 0 ||
            join(initlog, sizeof initlog, p.pg, "initdb.log") != 0)
            goto out;
        /* text compares and sorts by its bytes (the C collation: UTF-8's byte order is the
         * code points' order, as C.UTF-8 sorts, without calling strcoll for every compare),
         * and classifies characters as UTF-8 */
        char *argv[] = {initdb,
                        "-D",
                        p.data,
                        "-U",
                        EMBEDDED_USER,
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        "--lc-collate=C",
                        NULL};
        int st = run_server_tool(argv, initlog, p.pg);
        if (st != 0) {
            log_error_detail("cannot create the embedded PostgreSQL cluster",
                             "initdb failed; its output is in var/pg/initdb.log.",
                             geteuid() == 0 ? "As root the server runs as the 'postgres' user, "
                                              "which must be able to reach the var/ directory."
                                            : NULL);
            goto out;
        }
        if (configure_cluster(&p) != 0)
            goto out;
    }
    if (!db_embedded_running(var_dir)) {
        if (util_mkdirs(p.run, true) != 0 || own_for_server(p.run) != 0) {
            log_error("cannot create %s: %s", p.run, strerror(errno));
            goto out;
        }
        char pg_ctl[PATH_MAX];
        if (join(pg_ctl, sizeof pg_ctl, p.bindir, "pg_ctl") != 0)
            goto out;
        char *argv[] = {pg_ctl, "-D", p.data, "-l", p.log, "-w", "-t", "120", "start", NULL};
        char ctl_log[PATH_MAX];
        if (join(ctl_log, sizeof ctl_log, p.pg, "pg_ctl.log") != 0)
            goto out;
        log_info("starting the embedded PostgreSQL server (%s)", p.data);
        if (run_server_tool(argv, ctl_log, p.pg) != 0) {
            log_error_detail("cannot start the embedded PostgreSQL server",
                             "pg_ctl failed; see var/pg/server.log and var/pg/pg_ctl.log.", NULL);
            goto out;
        }
    }
    rc = create_database(conninfo, conninfo_len, &p);
out:
    flock(lockfd, LOCK_UN);
    close(lockfd);
    return rc;
}

int db_embedded_stop(const char *var_dir)
{
    struct paths p;
    if (make_paths(var_dir, &p) != 0)
        return -1;
    if (!db_embedded_running(var_dir)) {
        log_info("the embedded server is not running");
        return 0;
    }
    char pg_ctl[PATH_MAX];
    char ctl_log[PATH_MAX];
    if (join(pg_ctl, sizeof pg_ctl, p.bindir, "pg_ctl") != 0 ||
        join(ctl_log, sizeof ctl_log, p.pg, "pg_ctl.log") != 0)
        return -1;
    char *argv[] = {pg_ctl, "-D", p.data, "-m", "fast", "-w", "stop", NULL};
    if (run_server_tool(argv, ctl_log, p.pg) != 0) {
        log_error("cannot stop the embedded server; see var/pg/pg_ctl.log");
        return -1;
    }
    log_info("stopped the embedded PostgreSQL server");
    return 0;
}
